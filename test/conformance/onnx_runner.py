"""Runs ONNX backend tests (Debian's libonnx-testdata) through `smelt compile` and
`smelt run`: import, compile, run on the CPU, and compare every output with the
expected .pb using ONNX's tolerance (rtol 1e-3, atol 1e-7; exact for integers
and booleans). Shared by the node-test suite (test/onnx_node) and the
conformance report (onnx_conformance.py).
"""
import glob
import os
import subprocess

import numpy as np
import onnx
from onnx import numpy_helper

DATA_ROOT = "/usr/share/libonnx-testdata/data"
RTOL, ATOL = 1e-3, 1e-7


def smelt_binary():
    """The smelt CLI of the build in SMELT_BUILD_DIR (CTest sets it)."""
    build = os.environ.get("SMELT_BUILD_DIR")
    if not build:
        raise RuntimeError("set SMELT_BUILD_DIR to the build directory (ctest does)")
    return os.path.join(build, "bin", "smelt")


def model_ops(model_path):
    model = onnx.load(model_path)
    return {node.op_type for node in model.graph.node}


# Operands that determine shapes, which Smelt needs at compile time: op type ->
# operand positions. When a test feeds one from a graph input, the runner
# freezes that input with --constant-input (TensorRT does the same with shape
# tensors); the compiled model then takes the remaining inputs.
SHAPE_OPERANDS = {
    "Reshape": {1}, "Slice": {1, 2, 3, 4}, "Squeeze": {1}, "Unsqueeze": {1}, "Split": {1},
    "ReduceSum": {1}, "ReduceMean": {1}, "ReduceMax": {1}, "ReduceMin": {1},
    "ReduceProd": {1}, "Expand": {1}, "Tile": {1}, "ConstantOfShape": {0},
    "Range": {0, 1, 2}, "Trilu": {1}, "Dropout": {1, 2},
    "Pad": {1, 2, 3}, "CumSum": {1}, "OneHot": {1, 2}, "HannWindow": {0},
    "HammingWindow": {0}, "BlackmanWindow": {0}, "Resize": {1, 2, 3}, "Upsample": {1},
    "TopK": {1}, "SequenceAt": {1}, "SequenceInsert": {2}, "SequenceErase": {1},
    "SplitToSequence": {1}, "Loop": {0, 1}, "MaxUnpool": {2}, "CenterCropPad": {1},
    "ReduceL1": {1}, "ReduceL2": {1}, "ReduceLogSum": {1}, "ReduceLogSumExp": {1},
    "ReduceSumSquare": {1}, "DFT": {1, 2}, "STFT": {1, 3}, "Compress": {1},
    # The output's shape is the count of its non-zero (distinct) values.
    "NonZero": {0}, "Unique": {0},
    # A constant generator, as the windows: all its inputs.
    "MelWeightMatrix": {0, 1, 2, 3, 4},
}


def shape_inputs(model):
    """Graph inputs that a shape operand depends on, directly or through other
    nodes (e.g. a window size cast and divided before it reaches Range)."""
    graph_inputs = {i.name for i in model.graph.input}
    producer = {output: node for node in model.graph.node for output in node.output}
    frozen, seen = set(), set()
    pending = [node.input[position] for node in model.graph.node
               for position in SHAPE_OPERANDS.get(node.op_type, ())
               if position < len(node.input) and node.input[position]]
    while pending:
        value = pending.pop()
        if value in seen:
            continue
        seen.add(value)
        if value in graph_inputs:
            frozen.add(value)
        elif value in producer and producer[value].op_type not in ("Shape", "Size"):
            # Shape and Size depend on static shapes only, not on values.
            pending.extend(v for v in producer[value].input if v)
    return frozen


def run_test(smelt_binary, directory, workdir):
    """Runs the test in `directory`. Returns (status, detail); status in pass,
    wrong, compile-error, unsupported, run-error, unsupported-input."""
    name = os.path.basename(directory)
    model = onnx.load(os.path.join(directory, "model.onnx"))
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    frozen = shape_inputs(model)
    # Inputs with symbolic or unknown dims are compiled for each data set's
    # shapes (--input-shape); the runtime runs static shapes.
    symbolic = {i.name for i in model.graph.input
                if i.name not in initializers and i.type.HasField("tensor_type")
                and any(not d.HasField("dim_value")
                        for d in i.type.tensor_type.shape.dim)}
    artifact = None
    for data_set in sorted(glob.glob(os.path.join(directory, "test_data_set_*"))):
        values = {}
        for index, input_name in enumerate(inputs):
            try:
                value = load_tensor(os.path.join(data_set, f"input_{index}.pb"))
            except Exception as error:  # sequences and optionals are not TensorProtos
                return "unsupported-input", f"input {index}: {error}"[:300]
            path = os.path.join(workdir, f"{name}.in{index}.npy")
            np.save(path, value)
            values[input_name] = path
        # One compile per data set when inputs are frozen into the model.
        if artifact is None or frozen or symbolic:
            artifact = os.path.join(workdir, name + ".smelt")
            command = [smelt_binary, "compile", os.path.join(directory, "model.onnx"),
                       "-o", artifact, "--quiet", "--groups=2"]
            command += [f"--constant-input={n}=@{values[n]}" for n in inputs if n in frozen]
            command += ["--input-shape={}:{}".format(
                n, "x".join(str(d) for d in np.load(values[n]).shape))
                for n in inputs if n in symbolic and n not in frozen]
            compiled = subprocess.run(command, capture_output=True, text=True, timeout=300)
            if compiled.returncode != 0:
                lines = [l for l in compiled.stderr.splitlines() if "error" in l]
                message = (lines[0] if lines else compiled.stderr.strip())[:300]
                status = "unsupported" if "unsupported ONNX op" in message else "compile-error"
                return status, message
        arguments = [smelt_binary, "run", artifact]
        arguments += [f"--input=@{values[n]}" for n in inputs if n not in frozen]
        expected_files = sorted(glob.glob(os.path.join(data_set, "output_*.pb")),
                                key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
        outputs = []
        for index, _ in enumerate(expected_files):
            path = os.path.join(workdir, f"{name}.out{index}.npy")
            outputs.append(path)
            arguments.append(f"--output=@{path}")
        ran = subprocess.run(arguments, capture_output=True, text=True, timeout=300)
        if ran.returncode != 0:
            return "run-error", ran.stderr.strip()[:300]
        for index, expected_file in enumerate(expected_files):
            reason = compare(np.load(outputs[index]), load_tensor(expected_file))
            if reason:
                if name in DOCUMENTED_DIFFERENCES:
                    return "documented-difference", DOCUMENTED_DIFFERENCES[name]
                return "wrong", f"output {index}: {reason}"
    return "pass", ""


# Tests whose expected data Smelt deliberately does not reproduce, with why.
# They are reported as "documented-difference", never as passing.
DOCUMENTED_DIFFERENCES = {
    "test_cast_FLOAT_to_BFLOAT16":
        "ONNX 1.12's data truncates f32 to bf16; Smelt rounds to nearest even, as the "
        "later ONNX specification (1.14+), PyTorch and the hardware conversions do",
}


def load_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def compare(actual, expected):
    """None when equal within tolerance, else a short reason."""
    if actual.shape != expected.shape:
        return f"shape {actual.shape} != expected {expected.shape}"
    if actual.dtype != expected.dtype:
        return f"dtype {actual.dtype} != expected {expected.dtype}"
    if expected.dtype.kind in "biu":
        if not np.array_equal(actual, expected):
            return "values differ"
        return None
    if not np.allclose(actual, expected, rtol=RTOL, atol=ATOL, equal_nan=True):
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        return f"max abs diff {np.nanmax(diff):.3g}"
    return None


