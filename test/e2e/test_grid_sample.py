"""GridSample against PyTorch's grid_sample (which produced ONNX's own test
data) for every mode, padding mode and align_corners, on a grid reaching past
the image (uniform in [-1.3, 1.3]) so that every padding rule is exercised;
opset 16's mode names and opset 20's. Tolerance rtol 1e-5, atol 1e-5 (f32 tap
weights; bicubic sums 16 taps)."""
import itertools

import numpy as np
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(16)
X = RNG.standard_normal((2, 3, 5, 7)).astype(np.float32)
GRID = RNG.uniform(-1.3, 1.3, (2, 4, 6, 2)).astype(np.float32)
GRID[0, 0, :3] = [[-1, -1], [1, 1], [0, 0]]  # corners and the centre exactly


def sample(smelt, tmp_path, opset, **attributes):
    """GridSample of X at GRID with `attributes`, compiled and run."""
    node = helper.make_node("GridSample", ["x", "grid"], ["y"], **attributes)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(X.shape)),
                      helper.make_tensor_value_info("grid", TensorProto.FLOAT, list(GRID.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return compile_and_run_onnx(smelt, tmp_path, model, {"x": X, "grid": GRID}, ["y"])[1][0]


@pytest.mark.parametrize("mode, padding, align", list(itertools.product(
    ["bilinear", "nearest", "bicubic"], ["zeros", "border", "reflection"], [0, 1])))
def test_grid_sample_matches_pytorch(smelt, tmp_path, mode, padding, align):
    y = sample(smelt, tmp_path, 16, mode=mode, padding_mode=padding, align_corners=align)
    expected = torch.nn.functional.grid_sample(
        torch.from_numpy(X).double(), torch.from_numpy(GRID).double(), mode=mode,
        padding_mode=padding, align_corners=bool(align)).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_grid_sample_takes_opset_20_mode_names(smelt, tmp_path):
    y = sample(smelt, tmp_path, 20, mode="cubic")
    expected = torch.nn.functional.grid_sample(
        torch.from_numpy(X).double(), torch.from_numpy(GRID).double(), mode="bicubic",
        padding_mode="zeros", align_corners=False).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
