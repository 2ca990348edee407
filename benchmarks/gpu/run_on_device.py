"""The GPU check, on the device machine, from the bundle prepare.py made:

    python3 run_on_device.py [--repeat 50]

For each case: inputs (floats drawn from a seed, token ids from the bundle),
Smelt's CUDA artifact run with the runtime-only runner and checked against
ONNX Runtime on the CPU (rtol 1e-4, atol 1e-5; 1e-3 relative for the
encoder), its device time per run (events around every command, without
the copies of inputs and outputs: SMELT_PROFILE), the same subgraph in
PyTorch eager and torch.compile on the GPU (CUDA events, inputs resident),
and the bandwidth Smelt reaches against a device-to-device copy's. Prints
Markdown tables and writes gpu-results.json next to it.
"""
import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def torch_function(name):
    """The subgraph `name` (benchmarks/run.py) in PyTorch, over GPU tensors
    named as the ONNX inputs, with the ONNX initializers as keyword args."""
    F = torch.nn.functional
    if name.startswith("LayerNorm"):
        return lambda x, gamma, beta: F.layer_norm(x, x.shape[-1:], gamma, beta, 1e-5)
    if name.startswith("Residual add"):
        return lambda x, r, gamma, beta: F.layer_norm(x + r, x.shape[-1:], gamma, beta, 1e-5)
    if name.startswith("RMSNorm"):
        return lambda x, gamma, eps: x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * gamma
    if name.startswith("Scaled + masked Softmax"):
        return lambda scores, scale, mask: torch.softmax(scores * scale + mask, -1)
    if name.startswith("GELU"):
        return lambda x, bias, sqrt2, one, half: (x + bias) * (torch.erf((x + bias) / sqrt2) + one) * half
    if name.startswith("SwiGLU"):
        return lambda a, g: a * torch.sigmoid(a) * g
    if name.startswith("Embedding"):
        return lambda ids, table, gamma, beta: F.layer_norm(table[ids], table.shape[-1:], gamma,
                                                            beta, 1e-5)
    if name.startswith("Transpose"):
        return lambda x: x.permute(0, 2, 1, 3).contiguous()
    return None


def cuda_ms(fn, repeat):
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return float(np.median(times))


def copy_gbs(repeat):
    x = torch.empty(256 * 2**20, dtype=torch.float32, device="cuda")
    y = torch.empty_like(x)
    ms = cuda_ms(lambda: y.copy_(x), repeat)
    return 2 * x.numel() * 4 / (ms * 1e-3) / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    env = dict(os.environ)
    # The runner's plugins find cuBLAS, cuDNN and NCCL by soname: where
    # PyTorch brings its own (pip's nvidia-* packages), use those.
    library_dirs = [os.path.join(HERE, "lib")]
    for package in ("cublas", "cudnn", "nccl"):
        found = glob.glob(os.path.join(os.path.dirname(torch.__file__), "..", "nvidia", package,
                                       "lib"))
        library_dirs += [os.path.realpath(d) for d in found]
    env["LD_LIBRARY_PATH"] = ":".join(library_dirs + [env.get("LD_LIBRARY_PATH", "")])
    runner = os.path.join(HERE, "bin", "smelt-runner")
    devices = subprocess.run([runner, "--help"], capture_output=True, text=True, env=env)
    if devices.returncode != 0:
        sys.exit(f"smelt-runner does not start here: {devices.stderr}")
    copy = copy_gbs(args.repeat)
    print(f"device-to-device copy: {copy:.0f} GB/s ({torch.cuda.get_device_name()})")
    rows = []
    with open(os.path.join(HERE, "cases.txt")) as index:
        cases = [line.rstrip("\n").split("\t") for line in index if line.strip()]
    for stem, nbytes, name in cases:
        base = os.path.join(HERE, "cases", stem)
        model = onnx.load(base + ".onnx")
        initializers = {t.name for t in model.graph.initializer}
        rng = np.random.default_rng(0)
        feeds = {}
        for value in model.graph.input:
            if value.name in initializers:
                continue
            ids = f"{base}.{value.name}.npy"
            if os.path.exists(ids):
                feeds[value.name] = np.load(ids)
            else:
                shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
                feeds[value.name] = rng.standard_normal(shape).astype(np.float32)
        for k, v in feeds.items():
            np.save(f"{base}.in.{k}.npy", v)
        expected = onnxruntime.InferenceSession(base + ".onnx").run(None, feeds)
        command = [runner, base + ".smelt", "--device=cuda:0"]
        command += [f"--input=@{base}.in.{k}.npy" for k in feeds]
        command += [f"--output=@{base}.out{i}.npy" for i in range(len(expected))]
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        row = {"case": name}
        if result.returncode != 0:
            row["error"] = result.stderr.strip()
            rows.append(row)
            print(f"{name}: FAILED: {row['error']}")
            continue
        rtol = 1e-3 if "Encoder" in name else 1e-4
        ok = all(np.allclose(np.load(f"{base}.out{i}.npy"), e, rtol=rtol, atol=1e-5)
                 for i, e in enumerate(expected))
        worst = max(float(np.max(np.abs(np.load(f"{base}.out{i}.npy") - e)))
                    for i, e in enumerate(expected))
        row.update({"matches_ort": ok, "max_abs_error": worst})
        profiled = subprocess.run(command + [f"--repeat={args.repeat}", "--warmup=10"],
                                  capture_output=True, text=True,
                                  env={**env, "SMELT_PROFILE": "1"})
        match = re.search(r"([0-9.]+) ms per run", profiled.stderr)
        if match:
            row["smelt_ms"] = float(match.group(1))
        fn = torch_function(name)
        if fn is not None:
            inputs = {k: torch.from_numpy(v).cuda() for k, v in feeds.items()}
            for t in model.graph.initializer:
                inputs[t.name] = torch.from_numpy(onnx.numpy_helper.to_array(t).copy()).cuda()
            eager = lambda: fn(**inputs)
            compiled_fn = torch.compile(fn)
            compiled = lambda: compiled_fn(**inputs)
            row["eager_ms"] = cuda_ms(eager, args.repeat)
            row["compile_ms"] = cuda_ms(compiled, args.repeat)
        if int(nbytes) and "smelt_ms" in row:
            row["smelt_gbs"] = int(nbytes) / (row["smelt_ms"] * 1e-3) / 1e9
            row["of_copy"] = row["smelt_gbs"] / copy
        rows.append(row)
        print(json.dumps(row))
    print("\n| Case | matches ORT | Smelt ms | eager ms | compile ms | vs compile | GB/s | of copy |")
    print("|---|---|---|---|---|---|---|---|")
    ratios = []
    for r in rows:
        if "error" in r:
            print(f"| {r['case']} | error | | | | | | |")
            continue
        vs = r.get("compile_ms", 0) / r["smelt_ms"] if r.get("smelt_ms") else 0
        if vs:
            ratios.append(vs)
        print(f"| {r['case']} | {r['matches_ort']} | {r.get('smelt_ms', 0):.3f} | "
              f"{r.get('eager_ms', 0):.3f} | {r.get('compile_ms', 0):.3f} | {vs:.2f}x | "
              f"{r.get('smelt_gbs', 0):.0f} | {100 * r.get('of_copy', 0):.0f}% |")
    if ratios:
        print(f"\ngeomean speed-up over torch.compile: "
              f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}x")
    with open(os.path.join(HERE, "gpu-results.json"), "w") as out:
        json.dump({"copy_gbs": copy, "device": torch.cuda.get_device_name(), "cases": rows}, out,
                  indent=1)


if __name__ == "__main__":
    main()
