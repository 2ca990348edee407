"""LRN against a NumPy transcription of the ONNX definition, for windows
narrower than, as wide as and far wider than the channel count (cells beyond
the channels only ever meet the zero padding, so the converter leaves them
out; the divisor keeps the whole size). Tolerance rtol 1e-5, atol 1e-6 (f32
sums of up to 5 squares and one pow)."""
import numpy as np
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper


def lrn_reference(x, size, alpha, beta, bias):
    channels = x.shape[1]
    square_sum = np.zeros_like(x, dtype=np.float64)
    for c in range(channels):
        low = max(0, c - (size - 1) // 2)
        high = min(channels - 1, c + (size - 1) - (size - 1) // 2)
        square_sum[:, c] = (x[:, low:high + 1].astype(np.float64) ** 2).sum(axis=1)
    return x / (bias + alpha / size * square_sum) ** beta


@pytest.mark.parametrize("size", [1, 3, 4, 9, 1 << 40])
def test_lrn_matches_reference(smelt, tmp_path, size):
    rng = np.random.default_rng(size % 1000)
    x = rng.standard_normal((2, 5, 3, 4)).astype(np.float32)
    alpha, beta, bias = 0.5, 0.75, 2.0
    graph = helper.make_graph(
        [helper.make_node("LRN", ["x"], ["y"], size=size, alpha=alpha, beta=beta, bias=bias)],
        "lrn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    y = compile_and_run_onnx(smelt, tmp_path, model, {"x": x}, ["y"])[1][0]
    np.testing.assert_allclose(y, lrn_reference(x, size, alpha, beta, bias), rtol=1e-5, atol=1e-6)
