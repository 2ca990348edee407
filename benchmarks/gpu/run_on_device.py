"""The GPU check, on the device machine, from the bundle prepare.py made:

    python3 run_on_device.py [--repeat 50] [--no-compile] [--compile-models] [--cases REGEX]

Prints the driver's and PyTorch's CUDA versions, then for each case: inputs
(floats drawn from a seed, token ids from the bundle; the end-to-end models'
weights from models.py's seeded draw), Smelt's CUDA artifact run with the
runtime-only runner and checked against ONNX Runtime on the CPU (rtol 1e-4,
atol 1e-5; 1e-3 relative for the encoder and the models), its device time
per run (events around every command, without the copies of inputs and
outputs, the first run left out: SMELT_PROFILE). Then, once every case has
run through Smelt, the same computation in PyTorch eager and torch.compile
on the GPU (CUDA events, inputs resident, fp32 without TF32; --no-compile
skips torch.compile, the models get it only with --compile-models; a
model's PyTorch twin is checked against ONNX Runtime too) and the bandwidth
Smelt reaches against a device-to-device copy's. Each runner call has
120 s; a case that fails, times out or that PyTorch cannot run records the
error and the others go on. The encoder's and the models' load descriptions
(`-v`: the code loaded, the vendor libraries bound) are printed. Prints
Markdown tables (the subgraphs against torch.compile and the copy, the
models against eager) and rewrites gpu-results.json in $OUT (else next to
it) after every case.
"""
import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import models  # noqa: E402  (the end-to-end models' inputs and PyTorch twins)

TIMEOUT = 120  # seconds per runner call


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


def versions():
    """The driver's and PyTorch's CUDA, for the log and the results."""
    found = {"torch": torch.__version__, "torch_cuda": torch.version.cuda,
             "onnxruntime": onnxruntime.__version__}
    if shutil.which("nvidia-smi"):
        try:
            smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version",
                                  "--format=csv"], capture_output=True, text=True, timeout=30)
            found["nvidia_smi"] = (smi.stdout.strip() if smi.returncode == 0
                                   else f"failed ({smi.returncode}): {smi.stderr.strip()}")
        except (OSError, subprocess.TimeoutExpired) as error:
            found["nvidia_smi"] = f"failed: {error}"
    return found


def run_runner(command, env):
    """The runner's result and None, or what went wrong instead (a timeout,
    an exit code and its stderr)."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env,
                                timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT} s"
    if result.returncode != 0:
        return None, f"exit code {result.returncode}: {result.stderr.strip()}"
    return result, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-compile", action="store_true",
                        help="skip torch.compile (it needs Triton, gcc and Python's headers)")
    parser.add_argument("--compile-models", action="store_true",
                        help="torch.compile the end-to-end models too (minutes each)")
    parser.add_argument("--cases", default="",
                        help="only the cases whose name matches this regular expression")
    args = parser.parse_args()
    results = {"versions": versions(), "cases": []}
    for key, value in results["versions"].items():
        print(f"{key}: {value}")
    out_dir = os.environ.get("OUT", HERE)
    os.makedirs(out_dir, exist_ok=True)

    def save():
        with open(os.path.join(out_dir, "gpu-results.json"), "w") as out:
            json.dump(results, out, indent=1)

    try:
        results["device"] = torch.cuda.get_device_name()
    except Exception as error:  # noqa: BLE001 (recorded: Smelt runs without PyTorch's CUDA)
        results["device"] = f"unknown: {error}"
    env = dict(os.environ)
    # The runner's plugins find cuBLAS, cuDNN and NCCL by soname: where
    # PyTorch brings its own (pip's nvidia-* packages: nvidia/<package>/lib,
    # or one nvidia/cu13/lib for CUDA 13's), use those.
    library_dirs = [os.path.join(HERE, "lib")]
    nvidia = os.path.join(os.path.dirname(torch.__file__), "..", "nvidia")
    for pattern in ("*/lib", "cu*/lib"):
        for found in sorted(glob.glob(os.path.join(nvidia, pattern))):
            if os.path.realpath(found) not in library_dirs:
                library_dirs.append(os.path.realpath(found))
    env["LD_LIBRARY_PATH"] = ":".join(library_dirs + [env.get("LD_LIBRARY_PATH", "")])
    runner = os.path.join(HERE, "bin", "smelt-runner")
    _, error = run_runner([runner, "--help"], env)
    if error:
        sys.exit(f"smelt-runner does not start here: {error}")
    rows = results["cases"]
    with open(os.path.join(HERE, "cases.txt")) as index:
        cases = [line.rstrip("\n").split("\t") for line in index if line.strip()]
    cases = [c for c in cases if re.search(args.cases, c[2])]
    if not cases:
        sys.exit(f"no case matches '{args.cases}'")
    # Whose load descriptions (-v) the log shows: those with library calls
    # (the encoder and the models: cuBLAS/cuBLASLt gemms, cuDNN convolutions).
    described = {c[0] for c in cases
                 if "Encoder" in c[2] or os.path.exists(os.path.join(HERE, "cases",
                                                                     c[0] + ".spec.json"))}
    described = described or {cases[0][0]}

    # Smelt first, every case: PyTorch (torch.compile above all) may fail or
    # take long, and what Smelt measured is saved by then.
    torch_cases = []
    for stem, nbytes, name in cases:
        base = os.path.join(HERE, "cases", stem)
        row = {"case": name, "nbytes": int(nbytes)}
        rows.append(row)
        model = onnx.load(base + ".onnx")
        initializers = {t.name for t in model.graph.initializer}
        spec = None
        if os.path.exists(base + ".spec.json"):  # an end-to-end model, weights as inputs
            with open(base + ".spec.json") as f:
                spec = json.load(f)
            feeds = models.draw_inputs(spec, seed=0)
        else:
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
        try:
            expected = onnxruntime.InferenceSession(
                base + ".onnx", providers=["CPUExecutionProvider"]).run(None, feeds)
        except Exception as error:  # noqa: BLE001 (recorded, the other cases go on)
            row["error"] = f"ONNX Runtime: {error}"
            print(f"{name}: FAILED: {row['error']}")
            save()
            continue
        command = [runner, base + ".smelt", "--device=cuda:0"]
        command += [f"--input=@{base}.in.{k}.npy" for k in feeds]
        command += [f"--output=@{base}.out{i}.npy" for i in range(len(expected))]
        verbose = ["-v"] if stem in described else []
        result, error = run_runner(command + verbose, env)
        if error:
            row["error"] = error
            print(f"{name}: FAILED: {row['error']}")
            save()
            continue
        if verbose:
            row["load_description"] = result.stderr.strip()
            print(f"{name}: load description (smelt-runner -v):\n{row['load_description']}")
        rtol = 1e-3 if "Encoder" in name or spec else 1e-4
        ok = all(np.allclose(np.load(f"{base}.out{i}.npy"), e, rtol=rtol, atol=1e-5)
                 for i, e in enumerate(expected))
        worst = max(float(np.max(np.abs(np.load(f"{base}.out{i}.npy") - e)))
                    for i, e in enumerate(expected))
        row.update({"matches_ort": ok, "max_abs_error": worst})
        profiled, error = run_runner(command + [f"--repeat={args.repeat}", "--warmup=10"],
                                     {**env, "SMELT_PROFILE": "1"})
        if error:
            row["profile_error"] = error
        else:
            match = re.search(r"([0-9.]+) ms per run", profiled.stderr)
            if match:
                row["smelt_ms"] = float(match.group(1))
            else:
                row["profile_error"] = "no profile in: " + profiled.stderr.strip()[-500:]
        print(json.dumps(row))
        save()
        torch_cases.append((row, name, nbytes, feeds, model, spec, expected))

    # PyTorch: the copy's bandwidth, eager and torch.compile.
    try:
        copy = copy_gbs(args.repeat)
        results["copy_gbs"] = copy
        print(f"device-to-device copy: {copy:.0f} GB/s ({results['device']})")
    except Exception as error:  # noqa: BLE001
        copy = 0
        results["copy_error"] = str(error)
        print(f"device-to-device copy: FAILED: {error}")
    save()
    # fp32 on both sides: no TF32 in PyTorch's matmuls and convolutions
    # (cuDNN's default allows it), as Smelt's cuBLAS/cuBLASLt/cuDNN calls.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    for row, name, nbytes, feeds, model, spec, expected in torch_cases:
        if int(nbytes) and "smelt_ms" in row and copy:
            row["smelt_gbs"] = int(nbytes) / (row["smelt_ms"] * 1e-3) / 1e9
            row["of_copy"] = row["smelt_gbs"] / copy
        if spec:
            def fn(spec=spec, **tensors):
                with torch.no_grad():
                    return models.torch_forward(spec, tensors)
        else:
            fn = torch_function(name)
        if fn is None:
            continue
        try:
            inputs = {k: torch.from_numpy(v).cuda() for k, v in feeds.items()}
            for t in model.graph.initializer:
                inputs[t.name] = torch.from_numpy(onnx.numpy_helper.to_array(t).copy()).cuda()
            if spec:  # the twin must compute what the graph does
                twin = fn(**inputs).cpu().numpy()
                row["pytorch_matches_ort"] = bool(np.allclose(twin, expected[0], rtol=1e-3,
                                                              atol=1e-5))
            row["eager_ms"] = cuda_ms(lambda: fn(**inputs), args.repeat)
        except Exception as error:  # noqa: BLE001
            row["eager_error"] = f"{type(error).__name__}: {error}"
            save()
            continue
        # torch.compile of a 12-layer model takes minutes: models only with
        # --compile-models.
        if not args.no_compile and (not spec or args.compile_models):
            try:
                compiled_fn = torch.compile(fn)
                row["compile_ms"] = cuda_ms(lambda: compiled_fn(**inputs), args.repeat)
            except Exception as error:  # noqa: BLE001 (Triton needs gcc and Python's headers)
                row["compile_error"] = f"{type(error).__name__}: {str(error)[:2000]}"
        print(json.dumps(row))
        save()

    def geomean(values):
        return math.exp(sum(map(math.log, values)) / len(values)) if values else 0

    def speedup(r, key):
        return r.get(key, 0) / r["smelt_ms"] if r.get("smelt_ms") else 0

    # Memory-bound subgraphs (a byte count to reach): against torch.compile
    # and the copy's bandwidth (targets: 1.3x, 85%).
    subgraphs = [r for r in rows if r.get("nbytes")]
    models_rows = [r for r in rows if not r.get("nbytes")]
    print("\n| Subgraph | matches ORT | Smelt ms | eager ms | compile ms | vs compile | GB/s "
          "| of copy |")
    print("|---|---|---|---|---|---|---|---|")
    for r in subgraphs:
        if "error" in r:
            print(f"| {r['case']} | error | | | | | | |")
            continue
        print(f"| {r['case']} | {r['matches_ort']} | {r.get('smelt_ms', 0):.3f} | "
              f"{r.get('eager_ms', 0):.3f} | {r.get('compile_ms', 0):.3f} | "
              f"{speedup(r, 'compile_ms'):.2f}x | {r.get('smelt_gbs', 0):.0f} | "
              f"{100 * r.get('of_copy', 0):.0f}% |")
    over_compile = [speedup(r, "compile_ms") for r in subgraphs if speedup(r, "compile_ms")]
    of_copy = [r["of_copy"] for r in subgraphs if r.get("of_copy")]
    if over_compile:
        results["subgraphs_geomean_over_compile"] = geomean(over_compile)
        print(f"\ngeomean speed-up over torch.compile: {geomean(over_compile):.2f}x "
              f"(target 1.3x)")
    if of_copy:
        results["subgraphs_geomean_of_copy"] = geomean(of_copy)
        print(f"geomean of copy bandwidth: {100 * geomean(of_copy):.0f}% (target 85%)")
    # Models: against PyTorch eager (target: no slower).
    print("\n| Model | matches ORT | PyTorch matches ORT | Smelt ms | eager ms | vs eager "
          "| compile ms |")
    print("|---|---|---|---|---|---|---|")
    for r in models_rows:
        if "error" in r:
            print(f"| {r['case']} | error | | | | | |")
            continue
        print(f"| {r['case']} | {r['matches_ort']} | {r.get('pytorch_matches_ort', '')} | "
              f"{r.get('smelt_ms', 0):.3f} | {r.get('eager_ms', 0):.3f} | "
              f"{speedup(r, 'eager_ms'):.2f}x | {r.get('compile_ms', 0):.3f} |")
    over_eager = [speedup(r, "eager_ms") for r in models_rows if speedup(r, "eager_ms")]
    if over_eager:
        results["models_geomean_over_eager"] = geomean(over_eager)
        print(f"\ngeomean speed-up of the models over PyTorch eager: {geomean(over_eager):.2f}x "
              f"(target: at least 1.0x)")
    save()


if __name__ == "__main__":
    main()
