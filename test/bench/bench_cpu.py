"""CPU benchmark: Smelt against ONNX Runtime (npm onnxruntime-node, see ort/) and
PyTorch eager, same thread count, measured in the same run on the same machine.
Prints a Markdown table of medians and ratios.

    SMELT_BUILD_DIR=build python3 test/bench/bench_cpu.py [--repeat 10] [--threads N]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def models():
    import torchvision
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
    yield "ResNet-18 1x3x224x224", torchvision.models.resnet18(weights=None), \
        torch.randn(1, 3, 224, 224)
    yield "TransformerEncoder 2 layers, 2x10x64", torch.nn.TransformerEncoder(layer, 2), \
        torch.randn(2, 10, 64)


def median_ms(function, repeat):
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def smelt_median_ms(binary, artifact, x_path, repeat, threads):
    out = subprocess.run([binary, "run", artifact, f"--input=@{x_path}",
                          f"--repeat={repeat + 1}", f"--threads={threads}"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))


def ort_median_ms(onnx_path, shape, repeat, threads):
    """None when ONNX Runtime is not installed (npm ci in test/bench/ort)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort", "ort_bench.js")
    if not os.path.isdir(os.path.join(os.path.dirname(script), "node_modules")):
        return None, None
    result = subprocess.run(["node", script, onnx_path, "x".join(map(str, shape)),
                             str(repeat), str(threads)], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return None, None
    import json
    report = json.loads(result.stdout)
    return report["median_ms"], report["version"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    binary = os.path.join(os.environ.get("SMELT_BUILD_DIR", os.path.join(ROOT, "build")),
                          "bin", "smelt")
    torch.set_num_threads(args.threads)
    print(f"threads={args.threads} repeat={args.repeat} torch={torch.__version__}")
    print("| Model | Smelt (ms) | ONNX Runtime (ms) | PyTorch eager (ms) | Smelt / ORT | Smelt / PyTorch |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for name, model, x in models():
            model.eval()
            onnx_path = os.path.join(work, "m.onnx")
            torch.onnx.export(model, x, onnx_path, opset_version=14)
            artifact = os.path.join(work, "m.smelt")
            subprocess.run([binary, "compile", onnx_path, "-o", artifact, "--quiet"],
                           check=True)
            x_path = os.path.join(work, "x.npy")
            np.save(x_path, x.numpy())
            ours = smelt_median_ms(binary, artifact, x_path, args.repeat, args.threads)
            with torch.no_grad():
                theirs = median_ms(lambda: model(x), args.repeat)
            ort, version = ort_median_ms(onnx_path, list(x.shape), args.repeat, args.threads)
            ort_text = f"{ort:.2f} (ORT {version})" if ort else "n/a"
            ort_ratio = f"{ours / ort:.2f}x" if ort else "n/a"
            print(f"| {name} | {ours:.2f} | {ort_text} | {theirs:.2f} | {ort_ratio} | "
                  f"{ours / theirs:.2f}x |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
