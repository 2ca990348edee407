"""Mutation sweep: feeds `smelt compile` (and `smelt run` when that compiles)
inputs that are wrong in small ways and reports every crash, hang, abort or
"importer bug" message. Any clean error is a pass; only a crash is a finding.

Not part of CI (a full sweep takes about an hour on two cores); run it after
changing an importer:

    SMELT_BUILD_DIR=build /usr/bin/python3 test/robustness/mutation_sweep.py \\
        onnx-attributes|onnx-constants|stablehlo [--part I --parts N] [--filter text] \\
        [--out DIR]

- onnx-attributes: every one-node model of ONNX's backend node tests, with
  each INT/INTS/FLOAT/STRING attribute changed (-100, -1, 0, 3, 2^40; an
  element of a list changed, one added or dropped; NaN, inf, -1, 0; a bogus
  string) and each graph input's dims, rank and element type changed.
- onnx-constants: the same models with their integer inputs (shapes, axes,
  pads, sizes, indices) frozen as initializers from the test data and one
  element changed at a time (-1, 0, 7, +-2^40, -3, 2, 100, +-2^31, 2^33),
  which exercises what converters fold at import.
- stablehlo: the programs of ../shared/conformance/stablehlo/testdata with an
  integer of one op's attributes changed, or a dim of one op's types.

The model of each finding is kept in --out (default: a temporary directory,
printed at the end) for reproduction.
"""
import argparse
import copy
import glob
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
STABLEHLO_TESTS = os.path.join(os.path.dirname(ROOT), "shared", "conformance", "stablehlo",
                               "testdata")
# What a crash or an importer's own failure prints; clean errors print none.
CRASH_MARKS = ("Assertion", "LLVM ERROR", "Stack dump", "importer bug", "PLEASE submit",
               "terminate called", "UNREACHABLE")
LARGE = 1 << 40


def one_node_models(onnx):
    for directory in sorted(glob.glob(os.path.join(NODE_TESTS, "test_*"))):
        try:
            model = onnx.load(os.path.join(directory, "model.onnx"))
        except Exception:
            continue
        if len(model.graph.node) == 1:
            yield directory, model


def attribute_mutants(model):
    from onnx import AttributeProto
    node = model.graph.node[0]

    def variant(change):
        mutant = copy.deepcopy(model)
        change(mutant)
        return mutant

    for a, attribute in enumerate(node.attribute):
        def attr(m, a=a):
            return m.graph.node[0].attribute[a]
        if attribute.type == AttributeProto.INT:
            for value in (-100, -1, 0, 3, LARGE):
                yield f"{attribute.name}={value}", variant(
                    lambda m, v=value: setattr(attr(m), "i", v))
        elif attribute.type == AttributeProto.INTS:
            for j in range(len(attribute.ints)):
                for value in (-1, 0, LARGE):
                    yield f"{attribute.name}[{j}]={value}", variant(
                        lambda m, j=j, v=value: attr(m).ints.__setitem__(j, v))
            yield f"{attribute.name}+1", variant(lambda m: attr(m).ints.append(1))
            if attribute.ints:
                yield f"{attribute.name}-1", variant(lambda m: attr(m).ints.pop())
        elif attribute.type == AttributeProto.FLOAT:
            for value in (float("nan"), float("inf"), -1.0, 0.0):
                yield f"{attribute.name}={value}", variant(
                    lambda m, v=value: setattr(attr(m), "f", v))
        elif attribute.type == AttributeProto.STRING:
            yield f"{attribute.name}=bogus", variant(lambda m: setattr(attr(m), "s", b"bogus"))
    initializers = {t.name for t in model.graph.initializer}
    for i, graph_input in enumerate(model.graph.input):
        if graph_input.name in initializers or not graph_input.type.HasField("tensor_type"):
            continue

        def tensor(m, i=i):
            return m.graph.input[i].type.tensor_type
        for d in range(len(graph_input.type.tensor_type.shape.dim)):
            for value in (0, 1, 5):
                yield f"in{i}.dim{d}={value}", variant(
                    lambda m, d=d, v=value: setattr(tensor(m).shape.dim[d], "dim_value", v))
        yield f"in{i}.rank+1", variant(lambda m: setattr(tensor(m).shape.dim.add(), "dim_value", 2))
        def drop_first_dim(m, i=i):
            del tensor(m, i).shape.dim[0]
        if graph_input.type.tensor_type.shape.dim:
            yield f"in{i}.rank-1", variant(drop_first_dim)
        for element_type in (6, 7, 9, 10, 11):
            yield f"in{i}.type={element_type}", variant(
                lambda m, t=element_type: setattr(tensor(m), "elem_type", t))


def constant_mutants(directory, model):
    import numpy as np
    import onnx
    from onnx import numpy_helper
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    files = sorted(glob.glob(os.path.join(directory, "test_data_set_0", "input_*.pb")))
    if len(files) != len(inputs):
        return
    values = []
    try:
        for path in files:
            proto = onnx.TensorProto()
            proto.ParseFromString(open(path, "rb").read())
            values.append(numpy_helper.to_array(proto))
    except Exception:  # sequences, optionals
        return
    changes = []
    for k, value in enumerate(values):
        if value.dtype not in (np.int64, np.int32) or value.size > 16:
            continue
        for j in range(min(value.size, 6)):
            for new in (-1, 0, 7, LARGE, -LARGE, -3, 2, 100, 2**31 - 1, -(2**31), 1 << 33):
                changes.append((k, j, new))
    random.Random(directory).shuffle(changes)
    for k, j, new in changes[:40]:
        flat = values[k].copy().reshape(-1)
        info = np.iinfo(flat.dtype)
        flat[j] = min(max(new, info.min), info.max)
        mutant = copy.deepcopy(model)
        mutant.graph.initializer.append(
            numpy_helper.from_array(flat.reshape(values[k].shape), inputs[k].name))
        yield f"{inputs[k].name}[{j}]={new}", mutant


def stablehlo_mutants(path, rng, count):
    number = re.compile(r"(?<![\w.#%])-?\d+(?![\w.])")
    lines = open(path).read().split("\n")
    ops = [i for i, line in enumerate(lines)
           if "stablehlo." in line and "constant" not in line and "custom_call" not in line
           and "= call" not in line]
    made = 0
    for _ in range(10 * count if ops else 0):  # not every pick has something to change
        if made == count:
            return
        i = rng.choice(ops)
        line = lines[i]
        if rng.random() < 0.6:
            head, sep, tail = line.partition(" : ")
            found = list(number.finditer(head))
            if not found:
                continue
            match = rng.choice(found)
            new = rng.choice(["-1", "0", "1", "2", "7", "100", "-5", "4294967296"])
            changed = head[:match.start()] + new + head[match.end():] + sep + tail
            what = f"line {i + 1}: {match.group()} -> {new}"
        else:
            found = list(re.finditer(r"tensor<((\d+x)+)", line))
            if not found:
                continue
            match = rng.choice(found)
            dims = match.group(1).rstrip("x").split("x")
            dims[rng.randrange(len(dims))] = rng.choice(["0", "1", "3", "64"])
            changed = line[:match.start(1)] + "x".join(dims) + "x" + line[match.end(1):]
            what = f"line {i + 1}: type {match.group(1)} -> {'x'.join(dims)}x"
        made += 1
        yield what, "\n".join(lines[:i] + [changed] + lines[i + 1:])


def attempt(binary, source, work, run):
    """None when smelt fails cleanly or succeeds; else what went wrong."""
    artifact = os.path.join(work, "m.smelt")
    try:
        result = subprocess.run([binary, "compile", source, "-o", artifact, "--quiet"],
                                capture_output=True, text=True, timeout=120)
        if result.returncode == 0 and run:
            result = subprocess.run([binary, "run", artifact], capture_output=True, text=True,
                                    timeout=120)
    except subprocess.TimeoutExpired:
        return "timed out after 120 s"
    crashed = result.returncode < 0 or result.returncode > 2
    if crashed or any(mark in result.stderr for mark in CRASH_MARKS):
        first = [line for line in result.stderr.splitlines()
                 if "error" in line or "Assertion" in line or "LLVM ERROR" in line][:2]
        return f"exit {result.returncode}: " + " | ".join(first)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep", choices=["onnx-attributes", "onnx-constants", "stablehlo"])
    parser.add_argument("--part", type=int, default=0)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--filter", default="")
    parser.add_argument("--out", default=None)
    parser.add_argument("--per-program", type=int, default=3,
                        help="stablehlo: mutants per program")
    args = parser.parse_args()
    binary = os.path.join(os.environ.get("SMELT_BUILD_DIR", os.path.join(ROOT, "build")),
                          "bin", "smelt")
    out = args.out or tempfile.mkdtemp(prefix="smelt-sweep-")
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="smelt-sweep-work-")
    tried = findings = 0

    def report(name, what, problem, save):
        nonlocal findings
        findings += 1
        kept = os.path.join(out, f"finding{findings}_{name}")
        save(kept)
        print(f"FINDING {name} [{what}] {problem}\n  kept: {kept}", flush=True)

    if args.sweep == "stablehlo":
        rng = random.Random(args.part)
        programs = sorted(glob.glob(os.path.join(STABLEHLO_TESTS, "*.mlir")))[args.part::args.parts]
        for path in programs:
            name = os.path.basename(path)
            if args.filter not in name:
                continue
            for what, text in stablehlo_mutants(path, rng, args.per_program):
                source = os.path.join(work, "p.mlir")
                open(source, "w").write(text)
                tried += 1
                problem = attempt(binary, source, work, run=False)
                if problem:
                    report(name, what, problem, lambda kept, t=text: open(kept, "w").write(t))
    else:
        import onnx
        models = list(one_node_models(onnx))[args.part::args.parts]
        for directory, model in models:
            name = os.path.basename(directory)
            if args.filter not in name:
                continue
            mutants = (attribute_mutants(model) if args.sweep == "onnx-attributes"
                       else constant_mutants(directory, model))
            for what, mutant in mutants:
                source = os.path.join(work, "m.onnx")
                onnx.save(mutant, source)
                tried += 1
                problem = attempt(binary, source, work, run=True)
                if problem:
                    report(name + ".onnx", what, problem,
                           lambda kept, m=mutant: onnx.save(m, kept))
    print(f"mutation sweep {args.sweep}: {tried} inputs, {findings} findings (kept in {out})")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
