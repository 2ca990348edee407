"""Builds the bundle for the GPU check (run_on_device.py), here, where the
compiler is: the memory-bound subgraphs of benchmarks/run.py, a small
transformer encoder, and BERT-base-size, GPT-2-small-size and ResNet-18
models with their weights as inputs (models.py) as ONNX models and as
artifacts compiled for cuda:sm_90
(PTX + cubin through ptxas), plus the runtime-only runner, the runtime
library, the CUDA plugin and the libraries they need beyond glibc and the
C++ runtime (libtbb, libcrypto). The device machine needs no LLVM/MLIR.

    SMELT_BUILD_DIR=build python3 benchmarks/gpu/prepare.py shared/gpu-bundle

The bundle stays small (the device tool carries at most 64 MiB): inputs are
generated on the device from seeds, references come from ONNX Runtime there.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import run  # noqa: E402  (benchmarks/run.py: the subgraphs and shapes)
import models  # noqa: E402  (benchmarks/gpu/models.py: the end-to-end models)

SHAPES = [s for s in run.SHAPES if s[0] in ("BERT-base b8 s128", "GPT-2-medium b1 s512")]

# What every Linux machine has: not bundled.
SYSTEM_LIBRARIES = ("linux-vdso.so", "ld-linux", "libc.so", "libm.so", "libdl.so",
                    "libpthread.so", "librt.so", "libstdc++.so", "libgcc_s.so")


def bundle_dependencies(binaries, lib_dir):
    """Copies what `binaries` need (ldd: NEEDED, transitively) beyond the
    system's libraries and Smelt's own into `lib_dir`."""
    for binary in binaries:
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True)
        if ldd.returncode != 0:
            sys.exit(f"ldd {binary}: {ldd.stderr}")
        for line in ldd.stdout.splitlines():
            # "\tlibtbb.so.12 => /lib/x86_64-linux-gnu/libtbb.so.12 (0x...)"
            parts = line.split()
            if len(parts) < 3 or parts[1] != "=>":
                continue
            name, path = parts[0], parts[2]
            if name.startswith(SYSTEM_LIBRARIES) or name.startswith("libsmelt"):
                continue
            if path == "not":
                sys.exit(f"{binary} needs {name}, which is not found here")
            shutil.copy2(path, os.path.join(lib_dir, name), follow_symlinks=True)


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "gpu-bundle")
    build = os.environ.get("SMELT_BUILD_DIR", "build")
    smelt = os.path.join(build, "bin", "smelt")
    for sub in ("bin", "lib/smelt/plugins", "cases"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    shutil.copy2(os.path.join(build, "bin", "smelt-runner"), os.path.join(out, "bin"))
    # The soname the runner needs, once.
    shutil.copy2(os.path.join(build, "lib", "libsmelt_runtime.so.0"),
                 os.path.join(out, "lib", "libsmelt_runtime.so.0"), follow_symlinks=True)
    shutil.copy2(os.path.join(build, "lib", "smelt", "plugins", "libsmelt_plugin_cuda.so"),
                 os.path.join(out, "lib", "smelt", "plugins"))
    bundle_dependencies([os.path.join(build, "lib", "libsmelt_runtime.so.0"),
                         os.path.join(build, "lib", "smelt", "plugins", "libsmelt_plugin_cuda.so")],
                        os.path.join(out, "lib"))
    shutil.copy2(os.path.join(HERE, "run_on_device.py"), out)
    shutil.copy2(os.path.join(HERE, "models.py"), out)

    cases = []
    for shape_name, b, s, h in SHAPES:
        for name, model, feeds, nbytes in run.subgraphs(b, s, h):
            if name.startswith("Embedding"):
                continue  # its 24-32 MB table would not fit the 64 MiB the device takes
            # Integer inputs (token ids) travel; floats are drawn on the device.
            ints = {k: v for k, v in feeds.items() if v.dtype.kind in "iu"}
            cases.append((f"{name} [{shape_name}]", model, nbytes, ints))
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True)
    encoder = torch.nn.TransformerEncoder(layer, 2).eval()
    path = os.path.join(out, "cases", "encoder.onnx")
    torch.onnx.export(encoder, (torch.randn(4, 128, 256),), path, opset_version=17)
    cases.append(("TransformerEncoder 2x256 [4x128]", onnx.load(path), 0, {}))
    os.remove(path)
    # The end-to-end models, weights as inputs (drawn on the device): see models.py.
    specs = [("BERT-base-size encoder [8x128, 12 layers]", models.bert_spec()),
             ("GPT-2-small-size decoder [8x128, 12 layers, causal]", models.gpt2_spec()),
             ("ResNet-18 [16x3x224x224, BN folded]", models.resnet18_spec()),
             ("Conv mix: 1x1, depthwise, dilated, asymmetric-pad [8x32x56x56]",
              models.conv_mix_spec())]
    for name, spec in specs:
        cases.append((name, models.build(spec), 0, {}, spec))

    with open(os.path.join(out, "cases.txt"), "w") as index:
        for i, (name, model, nbytes, ints, *spec) in enumerate(cases):
            stem = os.path.join(out, "cases", f"case{i}")
            onnx.save(model, stem + ".onnx")
            if spec:
                with open(stem + ".spec.json", "w") as f:
                    json.dump(spec[0], f)
            print(f"compiling {name} for cuda:sm_90", flush=True)
            for input_name, array in ints.items():
                np.save(f"{stem}.{input_name}.npy", array)
            result = subprocess.run([smelt, "compile", stem + ".onnx", "--target=cuda:sm_90",
                                     "-o", stem + ".smelt", "--quiet"],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit(f"{name}: {result.stderr}")
            index.write(f"case{i}\t{nbytes}\t{name}\n")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print(f"bundle in {out}: {len(cases)} cases, {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
