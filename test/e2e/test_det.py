"""Det against NumPy's (LAPACK's) determinant in float64, on batches of
matrices that need pivoting (a zero leading entry), singular ones (det 0),
permutation matrices (det +-1) and random ones of sizes 1 to 7. Tolerance
rtol 1e-4, atol 1e-5 (f32 elimination; the condition numbers here stay
small)."""
import numpy as np
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper


def det_of(smelt, tmp_path, x):
    graph = helper.make_graph(
        [helper.make_node("Det", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    return compile_and_run_onnx(smelt, tmp_path, model, {"x": x}, ["y"])[1][0]


@pytest.mark.parametrize("m", [1, 2, 3, 5, 7])
def test_det_matches_numpy(smelt, tmp_path, m):
    rng = np.random.default_rng(m)
    x = rng.standard_normal((6, m, m)).astype(np.float32)
    if m > 1:
        x[1, 0, 0] = 0                     # needs a row swap
        x[2, -1] = x[2, 0]                 # singular: two equal rows
        x[3] = np.eye(m)[rng.permutation(m)]  # a permutation: det +-1
    y = det_of(smelt, tmp_path, x)
    assert y.shape == (6,)
    np.testing.assert_allclose(y, np.linalg.det(x.astype(np.float64)), rtol=1e-4, atol=1e-5)


def test_det_of_empty_matrices_is_one(smelt, tmp_path):
    y = det_of(smelt, tmp_path, np.zeros((3, 0, 0), np.float32))
    np.testing.assert_array_equal(y, np.ones(3, np.float32))  # NumPy's det of 0x0 too


def test_det_of_a_batch_of_batches(smelt, tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    y = det_of(smelt, tmp_path, x)
    np.testing.assert_allclose(y, np.linalg.det(x.astype(np.float64)), rtol=1e-4, atol=1e-5)
