"""The ONNX backend node tests whose models use only the Foundation issue's ops,
run through test/conformance/onnx_runner.py.

Usable as a library (the pytest file) and as a script that prints a report:
    SMELT_BUILD_DIR=build python3 test/onnx_node/node_tests.py [name-filter]
"""
import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "conformance"))
import onnx_runner  # noqa: E402

DATA = os.path.join(onnx_runner.DATA_ROOT, "node")

# The ops the Foundation issue lists; a node test is in scope when every op of
# its model is one of these.
FOUNDATION_OPS = {
    "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Relu", "Sigmoid", "Tanh", "Exp", "Log",
    "Sqrt", "Pow", "Erf", "MatMul", "Gemm", "Conv", "MaxPool", "AveragePool",
    "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape", "Transpose",
    "Concat", "Split", "Softmax", "ReduceMean", "ReduceSum", "Gather", "Unsqueeze",
    "Squeeze", "Slice", "Cast", "Constant", "Shape", "Identity", "Where", "Equal",
}


def discover(ops=FOUNDATION_OPS):
    tests = []
    for directory in sorted(glob.glob(os.path.join(DATA, "test_*"))):
        model = os.path.join(directory, "model.onnx")
        if os.path.exists(model) and onnx_runner.model_ops(model) <= ops:
            tests.append(os.path.basename(directory))
    return tests


def run_test(smelt_binary, name, workdir):
    return onnx_runner.run_test(smelt_binary, os.path.join(DATA, name), workdir)


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
