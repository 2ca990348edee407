"""Smelt's CPU benchmark suite against ONNX Runtime, measured in the same run
on the same machine with the same thread count.

    SMELT_BUILD_DIR=build python3 benchmarks/run.py [--suite subgraphs|models|all]
        [--threads N] [--repeat N] [--rounds N] [--warmup N] [--json results.json]
        [--filter text] [--compile-flag=--vector-width=16 ...]

Memory-bound subgraphs (ONNX models built here) at BERT/ViT/GPT-2/LLaMA-like
shapes: the median time of each engine, the ratio, and the bandwidth Smelt
reaches (the bytes the subgraph must at least read and write, over its time)
as a fraction of the copy bandwidth measured at the start of the run.
End-to-end models exported from PyTorch: median times and the ratio.
Prints Markdown tables and writes every number to JSON (benchmarks/results.json
by default). ONNX Runtime comes from npm (test/bench/ort, `npm ci`); without
it the ORT columns say n/a.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORT_SCRIPT = os.path.join(ROOT, "test", "bench", "ort", "ort_bench.js")
OPSET = 17

# name, batch, sequence, hidden
SHAPES = [
    ("BERT-base b1 s128", 1, 128, 768),
    ("BERT-base b8 s128", 8, 128, 768),
    ("GPT-2-medium b1 s512", 1, 512, 1024),
    ("LLaMA-7B b1 s128", 1, 128, 4096),
]


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "subgraph", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def rng_array(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def subgraphs(b, s, h):
    """(name, onnx model, {input: array}, bytes the subgraph must move)."""
    x = rng_array((b, s, h))
    gamma, beta = const("gamma", np.ones(h, np.float32)), const("beta", np.zeros(h, np.float32))
    tensor = b * s * h * 4

    yield ("LayerNorm", model(
        [helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y"], epsilon=1e-5)],
        [f32("x", x.shape)], [f32("y", x.shape)], [gamma, beta]), {"x": x}, 2 * tensor)

    yield ("Residual add + LayerNorm", model(
        [helper.make_node("Add", ["x", "r"], ["a"]),
         helper.make_node("LayerNormalization", ["a", "gamma", "beta"], ["y"], epsilon=1e-5)],
        [f32("x", x.shape), f32("r", x.shape)], [f32("y", x.shape)], [gamma, beta]),
        {"x": x, "r": rng_array(x.shape, 1)}, 3 * tensor)

    yield ("RMSNorm", model(
        [helper.make_node("Mul", ["x", "x"], ["sq"]),
         helper.make_node("ReduceMean", ["sq"], ["ms"], axes=[-1], keepdims=1),
         helper.make_node("Add", ["ms", "eps"], ["mse"]),
         helper.make_node("Sqrt", ["mse"], ["rms"]),
         helper.make_node("Div", ["x", "rms"], ["n"]),
         helper.make_node("Mul", ["n", "gamma"], ["y"])],
        [f32("x", x.shape)], [f32("y", x.shape)],
        [gamma, const("eps", np.float32(1e-6))]), {"x": x}, 2 * tensor)

    heads = h // 64
    scores = rng_array((b, heads, s, s), 2)
    mask = np.triu(np.full((1, 1, s, s), -1e4, np.float32), 1)
    yield ("Scaled + masked Softmax", model(
        [helper.make_node("Mul", ["scores", "scale"], ["scaled"]),
         helper.make_node("Add", ["scaled", "mask"], ["masked"]),
         helper.make_node("Softmax", ["masked"], ["y"], axis=-1)],
        [f32("scores", scores.shape)], [f32("y", scores.shape)],
        [const("scale", np.float32(0.125)), const("mask", mask)]),
        {"scores": scores}, 2 * scores.nbytes)

    wide = rng_array((b, s, 4 * h), 3)
    yield ("GELU + bias", model(
        [helper.make_node("Add", ["x", "bias"], ["a"]),
         helper.make_node("Div", ["a", "sqrt2"], ["d"]),
         helper.make_node("Erf", ["d"], ["e"]),
         helper.make_node("Add", ["e", "one"], ["e1"]),
         helper.make_node("Mul", ["a", "e1"], ["m"]),
         helper.make_node("Mul", ["m", "half"], ["y"])],
        [f32("x", wide.shape)], [f32("y", wide.shape)],
        [const("bias", rng_array((4 * h,), 4)), const("sqrt2", np.float32(np.sqrt(2))),
         const("one", np.float32(1)), const("half", np.float32(0.5))]),
        {"x": wide}, 2 * wide.nbytes)

    gate = rng_array(wide.shape, 5)
    yield ("SwiGLU", model(
        [helper.make_node("Sigmoid", ["a"], ["sa"]),
         helper.make_node("Mul", ["a", "sa"], ["silu"]),
         helper.make_node("Mul", ["silu", "g"], ["y"])],
        [f32("a", wide.shape), f32("g", wide.shape)], [f32("y", wide.shape)]),
        {"a": wide, "g": gate}, 3 * wide.nbytes)

    vocabulary = 8192
    ids = (np.arange(b * s, dtype=np.int64).reshape(b, s) * 7919) % vocabulary
    yield ("Embedding Gather + LayerNorm", model(
        [helper.make_node("Gather", ["table", "ids"], ["e"]),
         helper.make_node("LayerNormalization", ["e", "gamma", "beta"], ["y"], epsilon=1e-5)],
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [b, s])],
        [f32("y", (b, s, h))],
        [const("table", rng_array((vocabulary, h), 6)), gamma, beta]),
        {"ids": ids}, ids.nbytes + 2 * tensor)

    split = x.reshape(b, s, heads, 64)
    yield ("Transpose (heads)", model(
        [helper.make_node("Transpose", ["x"], ["y"], perm=[0, 2, 1, 3])],
        [f32("x", split.shape)], [f32("y", (b, heads, s, 64))]), {"x": split}, 2 * tensor)


def end_to_end_models():
    """(name, torch module, example input)."""
    import torchvision
    torch.manual_seed(0)

    def encoder(layers, causal):
        layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, batch_first=True,
                                                 activation="gelu")
        stack = torch.nn.TransformerEncoder(layer, layers)
        if not causal:
            return stack

        class Decoder(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.stack = stack
                self.register_buffer("mask", torch.triu(torch.full((128, 128), -1e4), 1))

            def forward(self, x):
                return self.stack(x, mask=self.mask)
        return Decoder()

    yield "ResNet-18 1x3x224x224", torchvision.models.resnet18(weights=None), \
        torch.randn(1, 3, 224, 224)
    yield "ResNet-50 1x3x224x224", torchvision.models.resnet50(weights=None), \
        torch.randn(1, 3, 224, 224)
    yield "BERT-base encoder 1x128x768 (12 layers)", encoder(12, False), torch.randn(1, 128, 768)
    yield "GPT-2-small decoder 1x128x768 (12 layers, causal)", encoder(12, True), \
        torch.randn(1, 128, 768)
    yield "ViT-B/16 1x3x224x224", torchvision.models.vit_b_16(weights=None), \
        torch.randn(1, 3, 224, 224)


def copy_bandwidth_gbs(threads, repeat, nbytes=256 * 1024 * 1024):
    """Bytes read + written per second by a copy of `nbytes` (read + written
    bytes: half of them are the source) with `threads` threads; the median of
    the repeats, like every other time here (on a shared machine the best of
    the repeats catches bursts of bandwidth no kernel sees for long)."""
    torch.set_num_threads(threads)
    source = torch.ones(max(1, nbytes // 2 // 4))
    target = torch.empty_like(source)
    target.copy_(source)  # first touch of the target's pages
    times = []
    for _ in range(max(5, repeat)):
        start = time.perf_counter()
        target.copy_(source)
        times.append(time.perf_counter() - start)
    return 2 * source.numel() * 4 / float(np.median(times)) / 1e9


COMPILE_FLAGS = []
# Untimed runs of each engine in each round, after its first run: a fresh
# process's first few runs of a small model run up to 3x slower on this
# machine (a C loop of the same row copies as the embedding Gather, outside
# Smelt, slows likewise), and a round has only repeat / rounds timed runs.
WARMUP = [10]


def smelt_compile(binary, onnx_path, work):
    """The artifact's path, or (None, the error)."""
    artifact = os.path.join(work, "m.smelt")
    compiled = subprocess.run([binary, "compile", onnx_path, "-o", artifact, "--quiet",
                               *COMPILE_FLAGS],
                              capture_output=True, text=True)
    if compiled.returncode != 0:
        return None, compiled.stderr.strip().splitlines()[-1][:200]
    return artifact, ""


def smelt_ms(binary, artifact, feeds, work, repeat, threads):
    arguments = [binary, "run", artifact, f"--repeat={repeat + 1}", f"--warmup={WARMUP[0]}",
                 f"--threads={threads}"]
    for i, (name, value) in enumerate(feeds.items()):
        path = os.path.join(work, f"in{i}.npy")
        np.save(path, value)
        arguments.append(f"--input=@{path}")
    ran = subprocess.run(arguments, capture_output=True, text=True)
    if ran.returncode != 0:
        return None, ran.stderr.strip()[:200]
    return float(re.search(r"median ([0-9.]+) ms", ran.stdout).group(1)), ""


def ort_ms(onnx_path, feeds, work, repeat, threads):
    if not os.path.isdir(os.path.join(os.path.dirname(ORT_SCRIPT), "node_modules")):
        return None, None
    specs = [{"name": name, "shape": list(value.shape),
              "dtype": "int64" if value.dtype == np.int64 else "float32"}
             for name, value in feeds.items()]
    spec_path = os.path.join(work, "inputs.json")
    with open(spec_path, "w") as f:
        json.dump(specs, f)
    result = subprocess.run(["node", ORT_SCRIPT, onnx_path, "1", str(repeat), str(threads),
                             spec_path, str(WARMUP[0])], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr.strip()[:300], file=sys.stderr)
        return None, None
    report = json.loads(result.stdout)
    return report["median_ms"], report["version"]  # ORT's own time, see ort_bench.js


def alternating(binary, onnx_path, feeds, work, repeat, threads, rounds):
    """(Smelt ms, ORT ms, ORT version, problem): Smelt's and ORT's runs
    alternate in `rounds` rounds of repeat / rounds runs each, and each time
    is the median of the rounds' medians. This shared machine's speed drifts
    over seconds (other tenants' memory traffic); alternating spreads the
    drift over both sides instead of charging it to whichever ran then."""
    artifact, problem = smelt_compile(binary, onnx_path, work)
    if not artifact:
        return None, None, None, problem
    per_round = max(3, repeat // rounds)
    ours, theirs, version = [], [], None
    for _ in range(rounds):
        time_ms, problem = smelt_ms(binary, artifact, feeds, work, per_round, threads)
        if time_ms is None:
            return None, None, None, problem
        ours.append(time_ms)
        time_ms, version = ort_ms(onnx_path, feeds, work, per_round, threads)
        if time_ms is not None:
            theirs.append(time_ms)
    return (float(np.median(ours)), float(np.median(theirs)) if theirs else None, version,
            "")


def geomean(values):
    values = [v for v in values if v]
    return float(np.exp(np.mean(np.log(values)))) if values else None


def cell(value, form):
    return "n/a" if value is None else form.format(value)


def summarize(entries, what, key, results):
    """Stores and prints the geometric mean of Smelt / ORT over `entries`."""
    ratios = [e["smelt_ms"] / e["ort_ms"] for e in entries if e["smelt_ms"] and e["ort_ms"]]
    results[key] = geomean(ratios)
    if ratios:
        print(f"\nGeometric mean Smelt / ORT over {len(ratios)} {what}: "
              f"{results[key]:.2f}x (below 1: Smelt faster)\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=["subgraphs", "models", "all"], default="all")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3,
                        help="Smelt and ORT alternate this many times, repeat/rounds runs each")
    parser.add_argument("--warmup", type=int, default=WARMUP[0],
                        help="untimed runs of each engine per round, after its first")
    parser.add_argument("--json", default=os.path.join(ROOT, "benchmarks", "results.json"))
    parser.add_argument("--filter", default="", help="only entries whose name contains this")
    parser.add_argument("--compile-flag", action="append", default=[],
                        help="extra flag for smelt compile (repeatable), for A/B runs")
    args = parser.parse_args()
    COMPILE_FLAGS.extend(args.compile_flag)
    WARMUP[0] = args.warmup
    binary = os.path.join(os.environ.get("SMELT_BUILD_DIR", os.path.join(ROOT, "build")),
                          "bin", "smelt")
    results = {"threads": args.threads, "repeat": args.repeat, "rounds": args.rounds,
               "warmup": args.warmup,
               "subgraphs": [], "models": []}
    ort_version = None
    with tempfile.TemporaryDirectory() as work:
        if args.suite in ("subgraphs", "all"):
            copy = copy_bandwidth_gbs(args.threads, args.repeat)
            results["copy_gbs"] = copy
            print(f"threads={args.threads} repeat={args.repeat} warmup={args.warmup}; copy bandwidth "
                  f"{copy:.1f} GB/s (read + write, 256 MiB, torch copy_); ORT times are "
                  f"its profiler's model_run (without the Node.js binding)\n")
            print("| Subgraph | Shape | Smelt (ms) | ORT (ms) | Smelt / ORT | Smelt GB/s | "
                  "of copy | of same-size copy |")
            print("|---|---|---|---|---|---|---|---|")
            for shape_name, b, s, h in SHAPES:
                for name, onnx_model, feeds, moved in subgraphs(b, s, h):
                    if args.filter not in f"{name} {shape_name}":
                        continue
                    path = os.path.join(work, "m.onnx")
                    onnx.save(onnx_model, path)
                    ours, theirs, version, problem = alternating(
                        binary, path, feeds, work, args.repeat, args.threads, args.rounds)
                    ort_version = version or ort_version
                    gbs = moved / (ours * 1e-3) / 1e9 if ours else None
                    # The subgraphs' tensors may stay in the caches between
                    # runs, so also compare with a copy of the same bytes.
                    near = copy_bandwidth_gbs(args.threads, args.repeat, moved)
                    entry = {"subgraph": name, "shape": shape_name, "smelt_ms": ours,
                             "ort_ms": theirs, "bytes": moved, "smelt_gbs": gbs,
                             "copy_fraction": gbs / copy if gbs else None,
                             "same_size_copy_gbs": near,
                             "same_size_copy_fraction": gbs / near if gbs else None,
                             "problem": problem}
                    results["subgraphs"].append(entry)
                    ratio = ours / theirs if ours and theirs else None
                    print(f"| {name} | {shape_name} | {cell(ours, '{:.3f}')} | "
                          f"{cell(theirs, '{:.3f}')} | {cell(ratio, '{:.2f}x')} | "
                          f"{cell(gbs, '{:.1f}')} | {cell(entry['copy_fraction'], '{:.0%}')} | "
                          f"{cell(entry['same_size_copy_fraction'], '{:.0%}')} |"
                          + (f" {problem}" if problem else ""))
                    sys.stdout.flush()
            summarize(results["subgraphs"], "subgraphs", "subgraph_geomean_ratio", results)
        if args.suite in ("models", "all"):
            print("| Model | Smelt (ms) | ORT (ms) | Smelt / ORT |")
            print("|---|---|---|---|")
            for name, module, x in end_to_end_models():
                if args.filter not in name:
                    continue
                module.eval()
                path = os.path.join(work, "model.onnx")
                torch.onnx.export(module, x, path, opset_version=14)
                feeds = {onnx.load(path).graph.input[0].name: x.numpy()}
                ours, theirs, version, problem = alternating(
                    binary, path, feeds, work, args.repeat, args.threads, args.rounds)
                ort_version = version or ort_version
                ratio = ours / theirs if ours and theirs else None
                results["models"].append({"model": name, "smelt_ms": ours, "ort_ms": theirs,
                                          "problem": problem})
                print(f"| {name} | {cell(ours, '{:.2f}')} | {cell(theirs, '{:.2f}')} | "
                      f"{cell(ratio, '{:.2f}x')} |" + (f" {problem}" if problem else ""))
                sys.stdout.flush()
            summarize(results["models"], "models", "model_geomean_ratio", results)
    results["ort_version"] = ort_version
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
