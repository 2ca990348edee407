"""Tensors with a zero-extent dim, as ONNX allows them: ops on empty tensors
give empty results, and ops that reduce over an empty axis give the
reduction's identity (a sum 0, a max -inf, a matmul or a convolution over no
channels zeros plus the bias), compared exactly with NumPy."""
import numpy as np
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper

rng = np.random.default_rng(0)


def empty(*shape):
    return rng.standard_normal(shape).astype(np.float32)


CASES = [
    ("relu", helper.make_node("Relu", ["a"], ["y"]), 13, [empty(0, 3)],
     lambda a: np.maximum(a, 0)),
    ("matmul_k0", helper.make_node("MatMul", ["a", "b"], ["y"]), 13, [empty(2, 0), empty(0, 3)],
     lambda a, b: a @ b),
    ("gemm_k0", helper.make_node("Gemm", ["a", "b", "c"], ["y"]), 13,
     [empty(2, 0), empty(0, 3), empty(3)], lambda a, b, c: a @ b + c),
    ("concat_with_empty", helper.make_node("Concat", ["a", "b"], ["y"], axis=0), 13,
     [empty(0, 3), empty(2, 3)], lambda a, b: np.concatenate([a, b], 0)),
    ("reduce_sum_empty_axis", helper.make_node("ReduceSum", ["a"], ["y"], keepdims=0), 11,
     [empty(2, 0)], lambda a: np.sum(a)),
    ("reduce_max_empty_axis", helper.make_node("ReduceMax", ["a"], ["y"], axes=[1], keepdims=0),
     11, [empty(2, 0)], lambda a: np.full((2,), -np.inf, np.float32)),
    # x * x fused with the sum over the empty axis: a kernel with a loop of
    # no iterations (it once crashed the tiling).
    ("reduce_sum_square_empty_axis",
     helper.make_node("ReduceSumSquare", ["a"], ["y"], axes=[-2], keepdims=1), 13,
     [empty(3, 0, 2)], lambda a: np.sum(a * a, axis=-2, keepdims=True)),
    ("conv_no_channels", helper.make_node("Conv", ["a", "b"], ["y"]), 13,
     [empty(1, 0, 4, 4), empty(2, 0, 1, 1)], lambda a, b: np.zeros((1, 2, 4, 4), np.float32)),
    ("softmax_empty", helper.make_node("Softmax", ["a"], ["y"]), 13, [empty(2, 0)],
     lambda a: a),
    ("transpose_empty", helper.make_node("Transpose", ["a"], ["y"], perm=[1, 0]), 13,
     [empty(0, 3)], lambda a: a.T),
]


@pytest.mark.parametrize("node,opset,inputs,reference", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_empty_tensors(smelt, tmp_path, node, opset, inputs, reference):
    names = list(node.input)
    graph = helper.make_graph(
        [node], "empty",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(v.shape))
         for n, v in zip(names, inputs)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    y = compile_and_run_onnx(smelt, tmp_path, model, dict(zip(names, inputs)), ["y"])[1][0]
    expected = reference(*inputs)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y, expected)
