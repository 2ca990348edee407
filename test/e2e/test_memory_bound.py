"""Fused memory-bound kernels against NumPy: row reductions split into vector
lanes (16, 32 or 64 by row length, with a tail when the row length is not a
multiple of them), softmax normalized by the reciprocal of its sum, reassociated
sums, polynomial exp/erf, the NaN behaviour of maxima. Tolerances against a
float64 reference: rtol 1e-5 (summation order and the exp/erf approximations;
atol 1e-7 for softmax, 1e-6 for GELU near its zero), maxima exact."""
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import host_has_avx512

RTOL, ATOL = 1e-5, 1e-7

# A 1 MiB L3, so that a few-MiB kernel moves more through DRAM than the
# shared cache holds and streams its output (non-temporal stores).
SMALL_L3 = "--memory-levels=dram:0:40,l3:1048576:200,l2:262144:192:group,l1:49152:384:group"


def compile_and_run(smelt, tmp_path, model, x, outputs, flags=()):
    onnx.save(model, str(tmp_path / "m.onnx"))
    np.save(tmp_path / "x.npy", x)
    code, _, err = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt", "--quiet",
                         *flags)
    assert code == 0, err
    paths = [tmp_path / f"y{i}.npy" for i in range(outputs)]
    code, _, err = smelt("run", tmp_path / "m.smelt", f"--input=@{tmp_path}/x.npy",
                         *[f"--output=@{p}" for p in paths])
    assert code == 0, err
    return [np.load(p) for p in paths]


@pytest.mark.parametrize("shape", [(2, 7, 128), (3, 37, 197), (2, 5, 200), (4, 40), (2, 9, 512),
                                   (3, 1000)])
def test_softmax_and_row_maximum(smelt, tmp_path, shape):
    f32 = lambda name, s: helper.make_tensor_value_info(name, TensorProto.FLOAT, list(s))
    model = helper.make_model(helper.make_graph(
        [helper.make_node("Softmax", ["x"], ["y"], axis=-1),
         helper.make_node("ReduceMax", ["x"], ["m"], axes=[-1], keepdims=0)],
        "g", [f32("x", shape)], [f32("y", shape), f32("m", shape[:-1])]),
        opset_imports=[helper.make_opsetid("", 13)])
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32) * 8
    x.reshape(-1, shape[-1])[1, shape[-1] - 2] = np.nan  # in the tail when there is one
    x.reshape(-1, shape[-1])[2, 37] = np.nan  # in one of the vector chains of lanes
    y, m = compile_and_run(smelt, tmp_path, model, x, 2)
    e = np.exp(x.astype(np.float64) - x.max(-1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(-1, keepdims=True), rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(m, x.max(-1))  # NaN rows stay NaN


def test_layer_norm_and_gelu(smelt, tmp_path):
    shape = (2, 33, 768)
    f32 = lambda name, s: helper.make_tensor_value_info(name, TensorProto.FLOAT, list(s))
    gamma = np.random.default_rng(2).standard_normal(768).astype(np.float32)
    beta = np.random.default_rng(3).standard_normal(768).astype(np.float32)
    model = helper.make_model(helper.make_graph(
        [helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["n"], epsilon=1e-5),
         helper.make_node("Div", ["n", "sqrt2"], ["d"]),
         helper.make_node("Erf", ["d"], ["e"]),
         helper.make_node("Add", ["e", "one"], ["e1"]),
         helper.make_node("Mul", ["n", "e1"], ["g"]),
         helper.make_node("Mul", ["g", "half"], ["y"])],
        "g", [f32("x", shape)], [f32("y", shape)],
        initializer=[numpy_helper.from_array(gamma, "gamma"),
                     numpy_helper.from_array(beta, "beta"),
                     numpy_helper.from_array(np.float32(np.sqrt(2)), "sqrt2"),
                     numpy_helper.from_array(np.float32(1), "one"),
                     numpy_helper.from_array(np.float32(0.5), "half")]),
        opset_imports=[helper.make_opsetid("", 17)])
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32) * 3 + 1
    (y,) = compile_and_run(smelt, tmp_path, model, x, 1)
    x64 = x.astype(np.float64)
    n = (x64 - x64.mean(-1, keepdims=True)) / np.sqrt(x64.var(-1, keepdims=True) + 1e-5)
    n = n * gamma + beta
    from math import erf
    expected = 0.5 * n * (1 + np.vectorize(erf)(n / np.sqrt(2)))
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("target,max_ulp,streaming", [
    ("x86-64-v3", 6.0, False), ("x86-64-v4", 1.0, False),
    ("x86-64-v3", 6.0, True), ("x86-64-v4", 1.0, True)])
def test_exp_accuracy_and_special_values(smelt, tmp_path, target, max_ulp, streaming):
    """exp over its whole f32 range against float64 NumPy. AVX2 (x86-64-v3) uses
    MLIR's polynomial (up to about 5 ulp, subnormal results flushed); AVX-512
    (x86-64-v4) scales with vscalefps (within 1 ulp, subnormals kept). With
    `streaming` (a 1 MiB L3, so the kernel stores past the caches) the loop
    is explicit vectors, where the scaling is scalef's intrinsic."""
    if target == "x86-64-v4" and not host_has_avx512():
        pytest.skip("this host has no AVX-512")
    specials = np.array([0, -0.0, 88.73, -104, -1e4, 1e30, -1e30, np.inf, -np.inf, np.nan],
                        np.float32)
    x = np.concatenate([np.linspace(-110, 95, 1 << 18, dtype=np.float32), specials])
    f32 = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [x.size])
    model = helper.make_model(helper.make_graph(
        [helper.make_node("Exp", ["x"], ["y"])], "g", [f32("x")], [f32("y")]),
        opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, str(tmp_path / "m.onnx"))
    np.save(tmp_path / "x.npy", x)
    code, _, err = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt", "--quiet",
                         f"--target=cpu:{target}", *([SMALL_L3] if streaming else []),
                         f"--dump-dir={tmp_path}/dump")
    assert code == 0, err
    report = json.loads((tmp_path / "dump" / "fusion-report.json").read_text())
    assert [k["streaming_stores"] for k in report["kernels"]] == [streaming]
    code, _, err = smelt("run", tmp_path / "m.smelt", f"--input=@{tmp_path}/x.npy",
                         f"--output=@{tmp_path}/y.npy")
    assert code == 0, err
    y = np.load(tmp_path / "y.npy")
    with np.errstate(over="ignore"):
        reference = np.exp(x.astype(np.float64))
        rounded = reference.astype(np.float32)
    normal = np.isfinite(rounded) & (rounded >= np.finfo(np.float32).tiny)
    ulps = np.abs(y[normal] - reference[normal]) / np.spacing(rounded[normal])
    assert ulps.max() <= max_ulp, f"exp is {ulps.max():.2f} ulp off"
    np.testing.assert_array_equal(y[-specials.size:],
                                  [1, 1, np.inf, 0, 0, np.inf, 0, np.inf, 0, np.nan])
    if target == "x86-64-v4":  # gradual underflow: e^-100 is about 3.7e-44
        subnormal = (reference > 0) & (rounded < np.finfo(np.float32).tiny)
        np.testing.assert_allclose(y[subnormal], reference[subnormal], rtol=0, atol=1.5e-45)


def test_erf_accuracy_and_special_values(smelt, tmp_path):
    """erf (one rational function on every target) against float64: within
    6 ulp of the result or 4e-7 absolute, negative for negative arguments,
    and +-1 from +-4 on and at the infinities."""
    from math import erf
    specials = np.array([0, -0.0, 4.0, -4.0, 1e30, np.inf, -np.inf, np.nan], np.float32)
    x = np.concatenate([np.linspace(-5, 5, 1 << 18, dtype=np.float32),
                        np.float32(10) ** np.linspace(-30, 0.6, 4096, dtype=np.float32), specials])
    f32 = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, [x.size])
    model = helper.make_model(helper.make_graph(
        [helper.make_node("Erf", ["x"], ["y"])], "g", [f32("x")], [f32("y")]),
        opset_imports=[helper.make_opsetid("", 13)])
    (y,) = compile_and_run(smelt, tmp_path, model, x, 1)
    finite = x[:-specials.size].astype(np.float64)
    reference = np.array([erf(v) for v in finite])
    error = np.abs(y[:-specials.size] - reference)
    ulp = np.spacing(np.abs(reference).astype(np.float32)).astype(np.float64)
    assert (error <= np.maximum(6 * ulp, 4e-7)).all(), f"erf is {error.max():.3g} off"
    negative = x[:-specials.size] < 0
    np.testing.assert_array_equal(np.sign(y[:-specials.size][negative]), -1)
    np.testing.assert_array_equal(y[-specials.size:], [0, 0, 1, -1, 1, 1, -1, np.nan])


def masked_softmax(shape):
    """softmax(x * 0.125 + causal mask) over the last axis as an ONNX model,
    with its mask and a float64 NumPy reference of it."""
    f32 = lambda name, s: helper.make_tensor_value_info(name, TensorProto.FLOAT, list(s))
    mask = np.triu(np.full((1, 1) + tuple(shape[-2:]), -1e4, np.float32), 1)
    model = helper.make_model(helper.make_graph(
        [helper.make_node("Mul", ["x", "scale"], ["s"]),
         helper.make_node("Add", ["s", "mask"], ["m"]),
         helper.make_node("Softmax", ["m"], ["y"], axis=-1)],
        "g", [f32("x", shape)], [f32("y", shape)],
        initializer=[numpy_helper.from_array(np.float32(0.125), "scale"),
                     numpy_helper.from_array(mask, "mask")]),
        opset_imports=[helper.make_opsetid("", 17)])

    def reference(x):
        m = x.astype(np.float64) * 0.125 + mask
        e = np.exp(m - m.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    return model, reference


def test_masked_softmax_in_row_steps(smelt, tmp_path):
    """GPT-2-medium's scaled + masked softmax (16 heads of 512 x 512): the
    kernel steps through 8-row tiles and prefetches the next step's scores
    and mask tiles during each step; values against float64 NumPy (rtol 1e-5,
    atol 1e-7)."""
    model, reference = masked_softmax((1, 16, 512, 512))
    x = np.random.default_rng(4).standard_normal((1, 16, 512, 512)).astype(np.float32) * 8
    (y,) = compile_and_run(smelt, tmp_path, model, x, 1)
    np.testing.assert_allclose(y, reference(x), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("target", ["x86-64-v3", "x86-64-v4"])
def test_streaming_stores_of_a_masked_softmax(smelt, tmp_path, target):
    """A scaled + masked softmax marked for streaming stores (the fusion
    report says so) stores its output with non-temporal vector stores, 32 or
    64 bytes by target, where the output tile is aligned at run time:
    `smelt run`'s outputs are 64-byte aligned, so that is the path taken
    here (python/tests covers NumPy's unaligned outputs). Values against
    float64 NumPy (rtol 1e-5, atol 1e-7), NaN rows NaN."""
    if target == "x86-64-v4" and not host_has_avx512():
        pytest.skip("this host has no AVX-512 to run x86-64-v4 code")
    model, reference = masked_softmax((2, 8, 128, 256))
    x = np.random.default_rng(5).standard_normal((2, 8, 128, 256)).astype(np.float32) * 8
    x[1, 3, 7, 100] = np.nan
    (y,) = compile_and_run(smelt, tmp_path, model, x, 1,
                           [SMALL_L3, f"--target=cpu:{target}", f"--dump-dir={tmp_path}/dump"])
    report = json.loads((tmp_path / "dump" / "fusion-report.json").read_text())
    assert [k["streaming_stores"] for k in report["kernels"]] == [True]
    np.testing.assert_allclose(y, reference(x), rtol=RTOL, atol=ATOL)
    assert np.isnan(y[1, 3, 7]).all()
