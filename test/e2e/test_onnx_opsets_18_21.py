"""ONNX opsets 18 to 21: the ops they add (Gelu, Mish, Bitwise*, GroupNormalization,
CenterCropPad) and the ones they change (Reduce* axes as an input, ReduceMax/Min on
bool, Split's num_outputs, Pad's axes input and wrap mode, Resize's antialias, axes,
keep_aspect_ratio_policy and half_pixel_symmetric, ScatterElements/ScatterND max and
min, blocked QuantizeLinear/DequantizeLinear and output_dtype), compiled for the CPU
and run; references are NumPy in float64 following the ONNX specification (Debian's
ONNX 1.12 has no test data for these opsets). Float tolerance rtol 1e-5, atol 1e-5
(f32 arithmetic, f32 erf/tanh/exp); integer and boolean results are exact."""
import math

import numpy as np
import onnx
import pytest
from conftest import compile_and_run_onnx
from onnx import helper, mapping, numpy_helper

RTOL, ATOL = 1e-5, 1e-5


def compile_and_run(smelt, tmp_path, nodes, inputs, outputs, opset, initializers=None):
    """outputs: {name: numpy dtype}. Returns the outputs in order."""
    def info(name, dtype, shape):
        return helper.make_tensor_value_info(
            name, mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)], shape)
    graph = helper.make_graph(
        nodes, "g", [info(k, v.dtype, list(v.shape)) for k, v in inputs.items()],
        [info(k, dtype, None) for k, dtype in outputs.items()],
        initializer=[numpy_helper.from_array(v, k) for k, v in (initializers or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return compile_and_run_onnx(smelt, tmp_path, model, inputs, list(outputs))[1]


def compile_fails(smelt, tmp_path, nodes, inputs, opset, initializers=None):
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(k, mapping.NP_TYPE_TO_TENSOR_TYPE[v.dtype], list(v.shape))
         for k, v in inputs.items()],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(v, k) for k, v in (initializers or {}).items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]),
              str(tmp_path / "bad.onnx"))
    code, _, err = smelt("compile", tmp_path / "bad.onnx", "-o", tmp_path / "bad.smelt")
    assert code != 0
    return err


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def ints(values, dtype=np.int64):
    return np.array(values, dtype=dtype)


RNG = np.random.default_rng(18)
X = RNG.standard_normal((2, 6, 5)).astype(np.float32)


def test_reductions_take_axes_as_an_input(smelt, tmp_path):
    nodes = [
        helper.make_node("ReduceMean", ["x", "a1"], ["mean"]),
        helper.make_node("ReduceMax", ["x", "a02"], ["max"], keepdims=0),
        helper.make_node("ReduceL2", ["x", "am1"], ["l2"]),
        helper.make_node("ReduceLogSumExp", ["x", "a1"], ["lse"], keepdims=0),
        helper.make_node("ReduceProd", ["x"], ["all"], keepdims=0),
        helper.make_node("ReduceMin", ["x", "none"], ["noop"], noop_with_empty_axes=1),
    ]
    init = {"a1": ints([1]), "a02": ints([0, 2]), "am1": ints([-1]), "none": ints([])}
    mean, mx, l2, lse, prod, noop = compile_and_run(
        smelt, tmp_path, nodes, {"x": X},
        dict.fromkeys(["mean", "max", "l2", "lse", "all", "noop"], np.float32), 18, init)
    x = X.astype(np.float64)
    close(mean, x.mean(1, keepdims=True))
    close(mx, x.max((0, 2)))
    close(l2, np.sqrt((x * x).sum(-1, keepdims=True)))
    close(lse, np.log(np.exp(x).sum(1)))
    np.testing.assert_allclose(prod, x.prod(), rtol=1e-4)  # 60 factors: f32 products drift
    close(noop, x)


def test_reduce_max_and_min_of_booleans(smelt, tmp_path):
    b = RNG.random((4, 5)) < 0.3
    b[0] = False
    b[1] = True
    nodes = [helper.make_node("ReduceMax", ["b", "a"], ["any"], keepdims=0),
             helper.make_node("ReduceMin", ["b", "a"], ["all"], keepdims=0)]
    got_any, got_all = compile_and_run(smelt, tmp_path, nodes, {"b": b},
                                       {"any": np.bool_, "all": np.bool_}, 20, {"a": ints([1])})
    np.testing.assert_array_equal(got_any, b.any(1))
    np.testing.assert_array_equal(got_all, b.all(1))


def test_split_into_num_outputs_the_last_smaller(smelt, tmp_path):
    x = RNG.standard_normal((2, 7)).astype(np.float32)
    nodes = [helper.make_node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)]
    a, b, c = compile_and_run(smelt, tmp_path, nodes, {"x": x},
                              dict.fromkeys("abc", np.float32), 18)
    np.testing.assert_array_equal(a, x[:, 0:3])
    np.testing.assert_array_equal(b, x[:, 3:6])
    np.testing.assert_array_equal(c, x[:, 6:7])


def test_pad_with_axes_and_wrap(smelt, tmp_path):
    nodes = [helper.make_node("Pad", ["x", "p", "", "axes"], ["wrap"], mode="wrap"),
             helper.make_node("Pad", ["x", "p2", "v", "axes2"], ["const"])]
    init = {"p": ints([7, 2, 1, 0]), "axes": ints([-1, 1]),
            "p2": ints([1, 2]), "v": np.array(1.5, np.float32), "axes2": ints([0])}
    wrap, const = compile_and_run(smelt, tmp_path, nodes, {"x": X},
                                  {"wrap": np.float32, "const": np.float32}, 19, init)
    # pads are [begin of each listed axis..., end of each...]: axis 2 by (7, 1), axis 1 by
    # (2, 0). Wrap is a torus, so a pad longer than the axis repeats it (modular indices;
    # NumPy 1.24's np.pad(mode="wrap") differs there when both sides are padded).
    rows, cols = np.arange(-2, 6) % 6, np.arange(-7, 6) % 5
    np.testing.assert_array_equal(wrap, X[:, rows][:, :, cols])
    np.testing.assert_array_equal(
        const, np.pad(X, [(1, 2), (0, 0), (0, 0)], constant_values=1.5))


def test_center_crop_pad(smelt, tmp_path):
    nodes = [helper.make_node("CenterCropPad", ["x", "s"], ["y"], axes=[1, 2]),
             helper.make_node("CenterCropPad", ["x", "s2"], ["z"])]
    init = {"s": ints([3, 8]), "s2": ints([1, 6, 2])}
    y, z = compile_and_run(smelt, tmp_path, nodes, {"x": X}, {"y": np.float32, "z": np.float32},
                           18, init)
    # axis 1: 6 -> 3 keeps rows 1..3; axis 2: 5 -> 8 pads 1 before, 2 after
    np.testing.assert_array_equal(y, np.pad(X[:, 1:4, :], [(0, 0), (0, 0), (1, 2)]))
    # axis 0: 2 -> 1 keeps index 0; axis 2: 5 -> 2 keeps columns 1..2
    np.testing.assert_array_equal(z, X[0:1, :, 1:3])


def gelu(x, tanh=False):
    x = x.astype(np.float64)
    if tanh:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def test_gelu_and_mish(smelt, tmp_path):
    x = (RNG.standard_normal((4, 64)) * 3).astype(np.float32)
    x[0, :4] = [-30, 30, 0, -1e-3]
    nodes = [helper.make_node("Gelu", ["x"], ["exact"]),
             helper.make_node("Gelu", ["x"], ["tanh"], approximate="tanh"),
             helper.make_node("Mish", ["x"], ["mish"])]
    exact, approx, mish = compile_and_run(smelt, tmp_path, nodes, {"x": x},
                                          dict.fromkeys(["exact", "tanh", "mish"], np.float32), 20)
    close(exact, gelu(x))
    close(approx, gelu(x, tanh=True))
    x64 = x.astype(np.float64)
    close(mish, x64 * np.tanh(np.log1p(np.exp(x64))))


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.int64])
def test_bitwise(smelt, tmp_path, dtype):
    info = np.iinfo(dtype)
    a = RNG.integers(info.min, info.max, (3, 8), dtype=dtype, endpoint=True)
    b = RNG.integers(info.min, info.max, (8,), dtype=dtype, endpoint=True)
    nodes = [helper.make_node("BitwiseAnd", ["a", "b"], ["and"]),
             helper.make_node("BitwiseOr", ["a", "b"], ["or"]),
             helper.make_node("BitwiseXor", ["a", "b"], ["xor"]),
             helper.make_node("BitwiseNot", ["a"], ["not"])]
    got = compile_and_run(smelt, tmp_path, nodes, {"a": a, "b": b},
                          dict.fromkeys(["and", "or", "xor", "not"], dtype), 18)
    for actual, expected in zip(got, [a & b, a | b, a ^ b, ~a]):
        np.testing.assert_array_equal(actual, expected)


def group_norm(x, groups, scale, bias, per_channel, eps=1e-5):
    n, c = x.shape[:2]
    g = x.astype(np.float64).reshape(n, groups, -1)
    normalized = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)
    if per_channel:
        shape = (1, c) + (1,) * (x.ndim - 2)
        return normalized.reshape(x.shape) * scale.reshape(shape) + bias.reshape(shape)
    return (normalized * scale.reshape(1, groups, 1) + bias.reshape(1, groups, 1)).reshape(x.shape)


@pytest.mark.parametrize("opset", [18, 21])
def test_group_normalization(smelt, tmp_path, opset):
    x = RNG.standard_normal((2, 6, 4, 3)).astype(np.float32)
    affine = 3 if opset == 18 else 6  # per group until opset 21, then per channel
    scale = RNG.uniform(0.5, 1.5, affine).astype(np.float32)
    bias = RNG.standard_normal(affine).astype(np.float32)
    nodes = [helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=3,
                              epsilon=1e-4)]
    (y,) = compile_and_run(smelt, tmp_path, nodes, {"x": x}, {"y": np.float32}, opset,
                           {"scale": scale, "bias": bias})
    close(y, group_norm(x, 3, scale, bias, opset >= 21, eps=1e-4))


def test_group_normalization_checks_the_scale_for_its_opset(smelt, tmp_path):
    x = np.zeros((1, 6, 2), np.float32)
    nodes = [helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=3)]
    init = {"s": np.ones(3, np.float32), "b": np.zeros(3, np.float32)}
    err = compile_fails(smelt, tmp_path, nodes, {"x": x}, 21, init)
    assert "scale must have shape [6] (one per channel)" in err


@pytest.mark.parametrize("reduction", ["max", "min"])
def test_scatter_max_min(smelt, tmp_path, reduction):
    data = RNG.standard_normal((4, 5)).astype(np.float32)
    indices = ints([[0, 1, 0], [3, 3, 2]])
    updates = RNG.standard_normal((2, 3)).astype(np.float32)
    idata = RNG.integers(0, 255, (4, 3), dtype=np.uint8)
    nd_indices = ints([[1], [3], [1]])
    nd_updates = RNG.integers(0, 255, (3, 3), dtype=np.uint8)
    nodes = [helper.make_node("ScatterElements", ["data", "idx", "upd"], ["y"], axis=1,
                              reduction=reduction),
             helper.make_node("ScatterND", ["idata", "ndidx", "ndupd"], ["z"],
                              reduction=reduction)]
    y, z = compile_and_run(smelt, tmp_path, nodes, {"data": data, "idata": idata},
                           {"y": np.float32, "z": np.uint8}, 18,
                           {"idx": indices, "upd": updates, "ndidx": nd_indices,
                            "ndupd": nd_updates})
    combine = np.maximum if reduction == "max" else np.minimum
    expected = data.copy()
    for i in range(2):
        for j in range(3):
            expected[i, indices[i, j]] = combine(expected[i, indices[i, j]], updates[i, j])
    np.testing.assert_array_equal(y, expected)
    expected_nd = idata.copy()
    for k in range(3):
        row = nd_indices[k, 0]
        expected_nd[row] = combine(expected_nd[row], nd_updates[k])
    np.testing.assert_array_equal(z, expected_nd)


def test_blocked_quantization(smelt, tmp_path):
    x = (RNG.standard_normal((3, 10)) * 4).astype(np.float32)
    scale = RNG.uniform(0.05, 0.2, (3, 3)).astype(np.float32)  # blocks of 4 along axis 1
    zero = RNG.integers(-10, 10, (3, 3), dtype=np.int8)
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1, block_size=4),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"], axis=1, block_size=4),
             helper.make_node("QuantizeLinear", ["x", "s1"], ["q16"],
                              output_dtype=onnx.TensorProto.INT16)]
    q, d, q16 = compile_and_run(smelt, tmp_path, nodes, {"x": x},
                                {"q": np.int8, "d": np.float32, "q16": np.int16}, 21,
                                {"s": scale, "z": zero, "s1": np.array(0.01, np.float32)})
    full_scale = np.repeat(scale, 4, axis=1)[:, :10].astype(np.float64)
    full_zero = np.repeat(zero, 4, axis=1)[:, :10].astype(np.float64)
    expected = np.clip(np.rint(x / full_scale) + full_zero, -128, 127)
    np.testing.assert_array_equal(q, expected.astype(np.int8))
    close(d, (expected - full_zero) * full_scale)
    np.testing.assert_array_equal(
        q16, np.clip(np.rint(x.astype(np.float64) / np.float32(0.01)), -32768, 32767)
        .astype(np.int16))


# Resize: an independent separable implementation of the specification's
# formulas (half_pixel coordinates, edge-clamped neighbours).

def filter_weights(mode, x, scale, antialias, a=-0.75):
    """{source index (unclamped): weight} for output coordinate x_ori."""
    stretch = min(scale, 1.0) if antialias else 1.0
    support = 2.0 if mode == "cubic" else 1.0

    def f(t):
        t = abs(t)
        if mode == "linear":
            return max(0.0, 1 - t)
        if t <= 1:
            return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1
        if t < 2:
            return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a
        return 0.0
    reach = support / stretch
    weights = {i: f((i - x) * stretch)
               for i in range(math.floor(x - reach), math.ceil(x + reach) + 1)}
    total = sum(weights.values())
    return {i: w / total for i, w in weights.items()}


def resize_axis(x, axis, out, scale, mode, antialias=False, transform="half_pixel"):
    n = x.shape[axis]
    moved = np.moveaxis(x.astype(np.float64), axis, 0)
    result = np.zeros((out,) + moved.shape[1:])
    for o in range(out):
        if transform == "half_pixel_symmetric":
            offset = n / 2 * (1 - out / (scale * n))
            x_ori = offset + (o + 0.5) / scale - 0.5
        else:
            x_ori = (o + 0.5) / scale - 0.5
        for i, w in filter_weights(mode, x_ori, scale, antialias).items():
            result[o] += w * moved[min(max(i, 0), n - 1)]
    return np.moveaxis(result, 0, axis)


@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_resize_antialias_downscale(smelt, tmp_path, mode):
    x = RNG.standard_normal((1, 2, 12, 9)).astype(np.float32)
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode=mode, antialias=1)]
    scales = np.array([1, 1, 0.4, 0.6], np.float32)
    (y,) = compile_and_run(smelt, tmp_path, nodes, {"x": x}, {"y": np.float32}, 18,
                           {"scales": scales})
    expected = resize_axis(x, 2, 4, float(scales[2]), mode, antialias=True)
    expected = resize_axis(expected, 3, 5, float(scales[3]), mode, antialias=True)
    close(y, expected)


@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
def test_resize_axes_and_aspect_policy(smelt, tmp_path, policy):
    x = RNG.standard_normal((1, 2, 6, 8)).astype(np.float32)
    nodes = [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
                              axes=[3, 2], keep_aspect_ratio_policy=policy)]
    sizes = ints([12, 15])  # axis 3: 8 -> 12 (1.5), axis 2: 6 -> 15 (2.5)
    (y,) = compile_and_run(smelt, tmp_path, nodes, {"x": x}, {"y": np.float32}, 18,
                           {"sizes": sizes})
    scale = 1.5 if policy == "not_larger" else 2.5
    out_h, out_w = int(scale * 6 + 0.5), int(scale * 8 + 0.5)
    assert y.shape == (1, 2, out_h, out_w)
    expected = resize_axis(resize_axis(x, 2, out_h, scale, "linear"), 3, out_w, scale, "linear")
    close(y, expected)


def test_resize_half_pixel_symmetric(smelt, tmp_path):
    x = RNG.standard_normal((1, 1, 5, 7)).astype(np.float32)
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear",
                              coordinate_transformation_mode="half_pixel_symmetric")]
    scales = np.array([1, 1, 1.7, 0.55], np.float32)
    (y,) = compile_and_run(smelt, tmp_path, nodes, {"x": x}, {"y": np.float32}, 19,
                           {"scales": scales})
    out_h, out_w = int(5 * scales[2]), int(7 * scales[3])
    expected = resize_axis(x, 2, out_h, float(scales[2]), "linear",
                           transform="half_pixel_symmetric")
    expected = resize_axis(expected, 3, out_w, float(scales[3]), "linear",
                           transform="half_pixel_symmetric")
    close(y, expected)


def test_refusals_name_the_opset(smelt, tmp_path):
    x = np.zeros((1, 1, 4, 4), np.float32)
    err = compile_fails(smelt, tmp_path, [helper.make_node("Gelu", ["x"], ["y"])], {"x": x}, 17)
    assert "ONNX op 'Gelu' exists from opset 20 on, but the model imports opset 17" in err
    err = compile_fails(smelt, tmp_path, [helper.make_node("Relu", ["x"], ["y"])], {"x": x}, 22)
    assert "opset 22 of the default ONNX domain is not supported (supported: 1 to 21)" in err
    err = compile_fails(smelt, tmp_path,
                        [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2],
                                          dilations=[2, 2])], {"x": x}, 19)
    assert "AveragePool with dilations other than 1 (opset 19) is not supported" in err
    err = compile_fails(smelt, tmp_path,
                        [helper.make_node("Resize", ["x", "", "s"], ["y"], antialias=1)],
                        {"x": x}, 18, {"s": np.array([1, 1, 0.5, 0.5], np.float32)})
    assert "antialias is defined for the linear and cubic modes, not nearest" in err


def test_later_types_are_named_in_the_refusal(smelt, tmp_path):
    # An int4 initializer (ONNX 1.16's type 22; two values per byte).
    packed = onnx.TensorProto(name="w", data_type=22, dims=[2], raw_data=b"\x21")
    graph = helper.make_graph([helper.make_node("Cast", ["w"], ["y"], to=onnx.TensorProto.FLOAT)],
                              "g", [], [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT,
                                                                      None)],
                              initializer=[packed])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]),
              str(tmp_path / "int4.onnx"))
    code, _, err = smelt("compile", tmp_path / "int4.onnx", "-o", tmp_path / "int4.smelt")
    assert code != 0
    assert "initializer 'w' has unsupported element type int4" in err
