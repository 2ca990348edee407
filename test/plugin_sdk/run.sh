#!/usr/bin/env bash
# Installs the build in $1 into a fresh prefix under $2, builds this directory
# against it as a separate CMake project, and checks that the installed
# runtime loads the out-of-tree plugin next to its own null plugin.
set -euo pipefail
build=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$here" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_C_COMPILER="${CC:-clang-22}" -DCMAKE_CXX_COMPILER="${CXX:-clang++-22}" \
  > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
plugin="$work/build/libsmelt_plugin_sdkdemo.so"
test -f "$plugin" || { echo "FAIL: smelt_add_plugin did not produce $plugin"; exit 1; }
devices=$(SMELT_PLUGIN_PATH= "$work/build/list_devices" "$plugin")
echo "$devices"
for expected in cpu:0 null:0 sdkdemo:0; do
  grep -qx "$expected" <<< "$devices" || { echo "FAIL: no device $expected"; exit 1; }
done
# The plugin exports its entry point and nothing of Smelt.
nm -D --defined-only "$plugin" | grep -q ' T smelt_plugin_entry$' || { echo "FAIL: no entry"; exit 1; }
if nm -D --undefined-only "$plugin" | grep -q smelt_; then
  echo "FAIL: the plugin links the runtime"; exit 1
fi
echo "PASS: out-of-tree plugin built with find_package(Smelt) and loaded by the installed runtime"
