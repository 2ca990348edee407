"""Padded convolution and pooling windows through the generated kernels (no
library calls): each group stages its padded input tile as a fill plus an
explicit copy of the part of the window inside the input (kernel.copy, see
dialects/kernel/Transforms/Staging.cpp). The cases put tiles partly and wholly
in the padding (pads larger than the kernel, ceil_mode overhang), with the
tiling rules of one group, the default grid and no fusion. Reference: NumPy
in float64; tolerance rtol 1e-5, atol 1e-5 (f32 sums of up to 75 products),
the max-pool exact on the convolution's output."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper


def conv_reference(x, w, b, stride, pad):
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    f, _, k, _ = w.shape
    oh, ow = (h - k) // stride + 1, (wd - k) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(k):
        for j in range(k):
            patch = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j].astype(np.float64))
    return out + b.astype(np.float64)[None, :, None, None]


def max_pool_reference(x, kernel=3, stride=2, pad=1):
    """ceil_mode: a last window may start inside the end padding's reach."""
    n, c, h, w = x.shape
    oh = -(-(h + 2 * pad - kernel) // stride) + 1
    ow = -(-(w + 2 * pad - kernel) // stride) + 1
    padded = np.full((n, c, h + 2 * pad + stride, w + 2 * pad + stride), -np.inf)
    padded[:, :, pad:pad + h, pad:pad + w] = x
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(kernel):
        for j in range(kernel):
            out = np.maximum(out, padded[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride])
    return out


@pytest.mark.parametrize("options", [["--groups=1"], [], ["--fusion=false"]],
                         ids=["one-group", "grid", "unfused"])
@pytest.mark.parametrize("case", [(3, 4, 8, 8, 3, 1, 1), (2, 3, 4, 4, 1, 1, 3),
                                  (3, 5, 17, 13, 5, 2, 4), (1, 2, 30, 30, 3, 1, 2)],
                         ids=lambda c: "c{}f{}_{}x{}_k{}s{}p{}".format(*c))
def test_padded_conv_then_max_pool(smelt, tmp_path, case, options):
    channels, filters, h, w, k, stride, pad = case
    rng = np.random.default_rng(sum(case))
    weight = rng.standard_normal((filters, channels, k, k)).astype(np.float32)
    bias = rng.standard_normal(filters).astype(np.float32)
    x = rng.standard_normal((1, channels, h, w)).astype(np.float32)
    model = helper.make_model(helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[k, k],
                          strides=[stride, stride], pads=[pad] * 4),
         helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 1, 1, 1], ceil_mode=1)],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]),
        opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, str(tmp_path / "m.onnx"))
    np.save(tmp_path / "x.npy", x)
    code, _, err = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt", "--quiet",
                         "--library-calls=false", *options)
    assert code == 0, err
    code, _, err = smelt("run", tmp_path / "m.smelt", f"--input=@{tmp_path}/x.npy",
                         f"--output=@{tmp_path}/c.npy", f"--output=@{tmp_path}/y.npy")
    assert code == 0, err
    conv, pooled = np.load(tmp_path / "c.npy"), np.load(tmp_path / "y.npy")
    np.testing.assert_allclose(conv, conv_reference(x, weight, bias, stride, pad),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(pooled, max_pool_reference(conv))
