"""Builds the bundle for the GPU check (run_on_device.py), here, where the
compiler is: the memory-bound subgraphs of benchmarks/run.py and a small
transformer encoder as ONNX models and as artifacts compiled for cuda:sm_90
(PTX + cubin through ptxas), plus the runtime-only runner, the runtime
library, the CUDA plugin and libtbb. The device machine needs no LLVM/MLIR.

    SMELT_BUILD_DIR=build python3 benchmarks/gpu/prepare.py shared/gpu-bundle

The bundle stays small (the device tool carries at most 64 MiB): inputs are
generated on the device from seeds, references come from ONNX Runtime there.
"""
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

SHAPES = [s for s in run.SHAPES if s[0] in ("BERT-base b8 s128", "GPT-2-medium b1 s512")]


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
    for tbb in ("/lib/x86_64-linux-gnu/libtbb.so.12", "/usr/lib/x86_64-linux-gnu/libtbb.so.12"):
        if os.path.exists(tbb):
            shutil.copy2(tbb, os.path.join(out, "lib"), follow_symlinks=True)
            break
    shutil.copy2(os.path.join(HERE, "run_on_device.py"), out)

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

    with open(os.path.join(out, "cases.txt"), "w") as index:
        for i, (name, model, nbytes, ints) in enumerate(cases):
            stem = os.path.join(out, "cases", f"case{i}")
            onnx.save(model, stem + ".onnx")
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
