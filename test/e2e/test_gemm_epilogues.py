"""A library GEMM takes its epilogue: a matmul followed by the add of a bias
row and/or relu becomes one gemm call with params [batch, M, N, K, strideB,
hasBias, relu] — oneDNN's matmul with a bias and a relu post-op, OpenBLAS's
sgemm onto the bias rows then relu, or the fused generated kernel on CPUs;
cuBLASLt's BIAS / RELU / RELU_BIAS epilogues on NVIDIA GPUs (the plan is
checked here; test_cuda.py runs it where there is a GPU). Every
implementation is checked against NumPy in float64."""
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

# f32 GEMMs against a float64 reference: K <= 96 terms of unit-variance
# products; library and generated summation orders differ.
RTOL, ATOL = 1e-5, 1e-4


def epilogue_model(path, a_shape, w_shape, bias_shape, relu, bias_first=False, splat=False):
    """y = relu?(a @ w + bias); w and bias are initializers."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal(w_shape).astype(np.float32)
    out_shape = list(a_shape[:-1]) + [w_shape[-1]]
    inits = [numpy_helper.from_array(w, "w")]
    nodes = [helper.make_node("MatMul", ["a", "w"], ["p"])]
    last = "p"
    bias = None
    if bias_shape is not None:
        bias = (np.full(bias_shape, 0.25, np.float32) if splat
                else rng.standard_normal(bias_shape).astype(np.float32))
        inits.append(numpy_helper.from_array(bias, "bias"))
        operands = ["bias", "p"] if bias_first else ["p", "bias"]
        nodes.append(helper.make_node("Add", operands, ["q"]))
        last = "q"
    if relu:
        nodes.append(helper.make_node("Relu", [last], ["r"]))
        last = "r"
    nodes.append(helper.make_node("Identity", [last], ["y"]))
    graph = helper.make_graph(
        nodes, "epilogue", [helper.make_tensor_value_info("a", TensorProto.FLOAT, a_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], initializer=inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return w, bias


def reference(a, w, bias, relu):
    y = np.matmul(a.astype(np.float64), w.astype(np.float64))
    if bias is not None:
        y = y + bias.astype(np.float64)
    return np.maximum(y, 0) if relu else y


def library_found(smelt, name):
    code, out, _ = smelt("devices", "-v")
    assert code == 0
    line = next(l for l in out.splitlines() if l.strip().startswith(name + " "))
    return " found " in line


CASES = [
    # id, a, w, bias, relu, gemm as `smelt run -v` names it
    ("bias_relu", [40, 96], [96, 72], [72], True, "gemm 1x40x72x96 + bias + relu"),
    ("bias_row_first", [40, 96], [96, 72], [1, 72], False, "gemm 1x40x72x96 + bias"),
    ("relu_only", [40, 96], [96, 72], None, True, "gemm 1x40x72x96 + relu"),
    # A weight shared by the batch: one GEMM of 3 * 17 rows, the bias on each.
    ("batched_rows", [3, 17, 96], [96, 72], [1, 1, 72], True, "gemm 1x51x72x96 + bias + relu"),
    # One weight per batch: a strided batched GEMM, the bias on every batch.
    ("batched", [3, 17, 64], [3, 64, 40], [40], True, "gemm 3x17x40x64 + bias + relu"),
]


@pytest.mark.parametrize("name,a_shape,w_shape,bias_shape,relu,gemm", CASES,
                         ids=[c[0] for c in CASES])
def test_each_implementation_matches_numpy(tmp_path, smelt, name, a_shape, w_shape, bias_shape,
                                           relu, gemm):
    model, artifact = tmp_path / "m.onnx", tmp_path / "m.smelt"
    w, bias = epilogue_model(str(model), a_shape, w_shape, bias_shape, relu,
                             bias_first=name == "bias_row_first")
    assert smelt("compile", model, "-o", artifact, "--quiet")[0] == 0
    a = np.random.default_rng(4).standard_normal(a_shape).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    expected = reference(a, w, bias, relu)
    runs = [([], "oneDNN" if library_found(smelt, "oneDNN") else None),
            (["--library=oneDNN=off"],
             "OpenBLAS" if library_found(smelt, "OpenBLAS") else "generated"),
            (["--library=oneDNN=off", "--library=OpenBLAS=off"], "generated")]
    for flags, chosen in runs:
        code, _, err = smelt("run", artifact, "-v", f"--input=@{tmp_path}/a.npy",
                             f"--output=@{tmp_path}/y.npy", *flags)
        assert code == 0, err
        # One command: the matmul and its epilogue.
        assert re.search(r"1 kernels?, 1 commands?", err), err
        line = next(l for l in err.splitlines() if f"({gemm})" in l)
        if chosen == "oneDNN":
            epilogue = gemm.split(" + ", 1)[1]
            assert f"oneDNN" in line and f"matmul + {epilogue}" in line, line
        elif chosen == "OpenBLAS":
            assert "cblas_sgemm" in line, line
            assert ("onto the bias rows" in line) == (bias is not None), line
            assert ("then relu" in line) == relu, line
        elif chosen == "generated":
            assert "generated kernel" in line, line
        np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=RTOL, atol=ATOL)


def plan_calls(smelt, model, target):
    code, out, err = smelt("compile", model, f"--target={target}", "--emit=plan", "--quiet")
    assert code == 0, err
    return [l for l in out.splitlines() if "plan.call" in l or "plan.launch" in l]


@pytest.mark.parametrize("target,library", [("cpu", "oneDNN"), ("cuda", "cuBLASLt")])
def test_the_plan_offers_the_epilogue_to_the_library(tmp_path, smelt, target, library):
    model = tmp_path / "m.onnx"
    epilogue_model(str(model), [40, 96], [96, 72], [72], True)
    (call,) = plan_calls(smelt, model, target)
    assert 'plan.call "gemm"' in call and f'"{library}"' in call, call
    assert "params = array<i64: 1, 40, 72, 96, 0, 1, 1>" in call, call
    # A, B, bias, C
    assert "library_args = array<i64: 0, 1, 2, 3>" in call, call


def test_rocm_keeps_the_epilogue_apart(tmp_path, smelt):
    """rocBLAS has no epilogue (hipBLASLt is not bound): the matmul stays a
    plain gemm call and the bias and relu a kernel of their own."""
    model = tmp_path / "m.onnx"
    epilogue_model(str(model), [40, 96], [96, 72], [72], True)
    calls = plan_calls(smelt, model, "rocm")
    assert len(calls) == 2, calls
    assert '"rocBLAS"' in calls[0] and "params = array<i64: 1, 40, 72, 96, 0>" in calls[0], calls
    assert "plan.launch" in calls[1], calls


@pytest.mark.parametrize("case", ["splat_bias", "full_matrix_add"])
def test_what_is_not_a_bias_row_stays_out(tmp_path, smelt, case):
    """A splat bias (the kernel would inline it) and the add of a whole matrix
    are no library epilogue: the matmul stays a plain gemm, the add a kernel,
    and the result is still right."""
    model, artifact = tmp_path / "m.onnx", tmp_path / "m.smelt"
    bias_shape = [72] if case == "splat_bias" else [40, 72]
    w, bias = epilogue_model(str(model), [40, 96], [96, 72], bias_shape, True,
                             splat=case == "splat_bias")
    calls = plan_calls(smelt, model, "cpu")
    assert len(calls) == 2 and "params = array<i64: 1, 40, 72, 96, 0>" in calls[0], calls
    assert smelt("compile", model, "-o", artifact, "--quiet")[0] == 0
    a = np.random.default_rng(5).standard_normal([40, 96]).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    code, _, err = smelt("run", artifact, f"--input=@{tmp_path}/a.npy",
                         f"--output=@{tmp_path}/y.npy")
    assert code == 0, err
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), reference(a, w, bias, True),
                               rtol=RTOL, atol=ATOL)
