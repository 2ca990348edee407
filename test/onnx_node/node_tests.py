"""Runs ONNX backend node tests (Debian's libonnx-testdata) through `smelt compile`
and `smelt run`, comparing every output with the expected .pb with ONNX's own
tolerance (rtol 1e-3, atol 1e-7; exact for integers and booleans).

Usable as a library (the pytest file) and as a script that prints a report:
    SMELT_BUILD_DIR=build python3 test/onnx_node/node_tests.py [name-filter]
"""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data/node"
RTOL, ATOL = 1e-3, 1e-7

# The ops the Foundation issue lists; a node test is in scope when every op of
# its model is one of these.
FOUNDATION_OPS = {
    "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Relu", "Sigmoid", "Tanh", "Exp", "Log",
    "Sqrt", "Pow", "Erf", "MatMul", "Gemm", "Conv", "MaxPool", "AveragePool",
    "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape", "Transpose",
    "Concat", "Split", "Softmax", "ReduceMean", "ReduceSum", "Gather", "Unsqueeze",
    "Squeeze", "Slice", "Cast", "Constant", "Shape", "Identity", "Where", "Equal",
}


def model_ops(model_path):
    model = onnx.load(model_path)
    return {node.op_type for node in model.graph.node}


def discover(ops=FOUNDATION_OPS):
    tests = []
    for directory in sorted(glob.glob(os.path.join(DATA, "test_*"))):
        model = os.path.join(directory, "model.onnx")
        if os.path.exists(model) and model_ops(model) <= ops:
            tests.append(os.path.basename(directory))
    return tests


# Operands that determine shapes, which Smelt needs at compile time: op type ->
# operand positions. When a test feeds one from a graph input, the runner
# freezes that input with --constant-input (TensorRT does the same with shape
# tensors); the compiled model then takes the remaining inputs.
SHAPE_OPERANDS = {
    "Reshape": {1}, "Slice": {1, 2, 3, 4}, "Squeeze": {1}, "Unsqueeze": {1}, "Split": {1},
    "ReduceSum": {1}, "ReduceMean": {1}, "ReduceMax": {1}, "ReduceMin": {1},
    "ReduceProd": {1}, "Expand": {1}, "Tile": {1}, "ConstantOfShape": {0},
}


def shape_inputs(model):
    graph_inputs = {i.name for i in model.graph.input}
    frozen = set()
    for node in model.graph.node:
        for position in SHAPE_OPERANDS.get(node.op_type, ()):
            if position < len(node.input) and node.input[position] in graph_inputs:
                frozen.add(node.input[position])
    return frozen


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


def run_test(smelt_binary, name, workdir):
    """Returns (status, detail); status in pass, wrong, compile-error, run-error,
    unsupported-input."""
    directory = os.path.join(DATA, name)
    model = onnx.load(os.path.join(directory, "model.onnx"))
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    frozen = shape_inputs(model)
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
        if artifact is None or frozen:
            artifact = os.path.join(workdir, name + ".smelt")
            command = [smelt_binary, "compile", os.path.join(directory, "model.onnx"),
                       "-o", artifact, "--quiet", "--groups=2"]
            command += [f"--constant-input={n}=@{values[n]}" for n in inputs if n in frozen]
            compiled = subprocess.run(command, capture_output=True, text=True, timeout=300)
            if compiled.returncode != 0:
                lines = [l for l in compiled.stderr.splitlines() if "error" in l]
                return "compile-error", (lines[0] if lines else compiled.stderr.strip())[:300]
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
                return "wrong", f"output {index}: {reason}"
    return "pass", ""


def main():
    build = os.environ.get("SMELT_BUILD_DIR", "build")
    binary = os.path.join(build, "bin", "smelt")
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    tests = [t for t in discover() if pattern in t]
    counts = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in tests:
            status, detail = run_test(binary, name, workdir)
            counts[status] = counts.get(status, 0) + 1
            if status != "pass":
                print(f"{name}: {status}: {detail}")
    print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())), f"of {len(tests)}")


if __name__ == "__main__":
    main()
