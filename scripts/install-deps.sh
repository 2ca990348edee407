#!/usr/bin/env bash
# Installs everything Smelt needs to build and test, from Debian's archive only.
# Idempotent: packages already present are left alone, and apt is not touched at all
# when nothing is missing.
set -euo pipefail

packages=(
  # compiler toolchain and MLIR/LLVM 22 (shared libMLIR.so / libLLVM.so)
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  # AMD GPUs: ocml/ockl bitcode for kernels that call the device library, and
  # ROCm 5.2's HIP runtime (the HIP driver dlopens it; without an AMD GPU it
  # refuses to start, which the tests check)
  rocm-device-libs libamdhip64-5
  cmake ninja-build ccache pkg-config
  # model formats
  libonnx-dev python3-onnx libonnx-testdata libprotobuf-dev protobuf-compiler
  # runtime: threads, artifact index, checksums; oneDNN's headers (the library is
  # dlopen'ed at load time, never linked)
  libtbb-dev libflatbuffers-dev flatbuffers-compiler libssl-dev libdnnl-dev
  # OpenBLAS, the CPU GEMM after oneDNN (dlopen'ed; the tests run both)
  libopenblas0
  # tests and reference models
  googletest libgtest-dev python3 python3-numpy python3-pytest python3-torch python3-torchvision
  # LeakSanitizer runtime for the runtime stress test
  libclang-rt-22-dev
  # collectives over MPI (the runtime dlopens libmpi; mpirun runs the 2-rank test)
  openmpi-bin libopenmpi3
  # the embedding example: an HTTP inference service
  libcpp-httplib-dev
  # the Python package: bindings and DLPack
  pybind11-dev libdlpack-dev python3-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root or install them" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
