"""RoiAlign (average mode) against torchvision's roi_align, the same
algorithm (aligned=True is ONNX's half_pixel, aligned=False its
output_half_pixel), with regions on two images, partly outside the image and
smaller than a pixel; the max mode has no independent reference here (ONNX
Runtime's rule, the maximum of the weighted corners, is followed). Tolerance
rtol 1e-5, atol 1e-5 (f32 bilinear weights, sums of 4 samples x 4 corners)."""
import numpy as np
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper, numpy_helper

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

RNG = np.random.default_rng(10)
X = RNG.standard_normal((2, 3, 12, 10)).astype(np.float32)
ROIS = np.array([[0, 0, 9, 11], [2.5, 1.5, 6.25, 7.5], [-2, -1, 4, 3], [5, 6, 5.4, 6.3],
                 [7, 8, 14, 15]], np.float32)
BATCH = np.array([0, 1, 1, 0, 1], np.int64)


@pytest.mark.parametrize("half_pixel", [True, False])
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_roi_align_matches_torchvision(smelt, tmp_path, half_pixel, scale):
    node = helper.make_node(
        "RoiAlign", ["x", "rois", "batch"], ["y"], output_height=3, output_width=4,
        sampling_ratio=2, spatial_scale=scale,
        coordinate_transformation_mode="half_pixel" if half_pixel else "output_half_pixel")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(X.shape)),
                      helper.make_tensor_value_info("rois", TensorProto.FLOAT, list(ROIS.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(BATCH, "batch")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)])
    _, (y,) = compile_and_run_onnx(smelt, tmp_path, model, {"x": X, "rois": ROIS}, ["y"])
    boxes = torch.cat([torch.from_numpy(BATCH).double()[:, None],
                       torch.from_numpy(ROIS).double()], dim=1)
    expected = torchvision.ops.roi_align(torch.from_numpy(X).double(), boxes, (3, 4),
                                         spatial_scale=scale, sampling_ratio=2,
                                         aligned=half_pixel).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_an_adaptive_sampling_ratio_needs_constant_regions(smelt, tmp_path):
    node = helper.make_node("RoiAlign", ["x", "rois", "batch"], ["y"])
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(X.shape)),
                      helper.make_tensor_value_info("rois", TensorProto.FLOAT, list(ROIS.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(BATCH, "batch")])
    import onnx
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)]),
              str(tmp_path / "m.onnx"))
    code, _, err = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt")
    assert code != 0
    assert "adaptive sampling_ratio (0)" in err and "give sampling_ratio > 0" in err, err
