"""Side outputs: a value that other kernels read too may still be computed
inside the kernel of its row-local consumers, which stores it for the others
and uses it straight from the tile (a residual sum read by the next layer
norm and by the next residual add). The cases check the kernel count (the
fusion happened, or was refused where the group would depend on its own
reader) and the values against NumPy in float64; tolerance rtol 1e-5,
atol 1e-5 (f32 row sums of up to 768 terms, the 64-term matmul)."""
import re

import numpy as np
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper, numpy_helper

RTOL, ATOL = 1e-5, 1e-5
EPS = 1e-5


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape) if shape else None)


def layer_norm(a, gamma, beta):
    a = a.astype(np.float64)
    mean = a.mean(-1, keepdims=True)
    var = ((a - mean) ** 2).mean(-1, keepdims=True)
    return (a - mean) / np.sqrt(var + EPS) * gamma + beta


def compile_and_run(smelt, tmp_path, nodes, inputs, outputs, initializers, options=()):
    graph = helper.make_graph(nodes, "g", [f32(name, value.shape) for name, value in inputs.items()],
                              [f32(name, None) for name in outputs],
                              initializer=[numpy_helper.from_array(v, k)
                                           for k, v in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    log, results = compile_and_run_onnx(smelt, tmp_path, model, inputs, outputs, options)
    return int(re.search(r"compiled (\d+) kernels", log).group(1)), results


def norm_parameters(h, rng):
    return {"gamma": rng.uniform(0.5, 1.5, h).astype(np.float32),
            "beta": rng.standard_normal(h).astype(np.float32)}


def block_inputs(seed, rows):
    """x, r of 1 x rows x 64, the layer norm's parameters and a 64x64 weight."""
    rng = np.random.default_rng(seed)
    x, r = (rng.standard_normal((1, rows, 64)).astype(np.float32) for _ in range(2))
    params = norm_parameters(64, rng)
    return x, r, params, (rng.standard_normal((64, 64)) / 8).astype(np.float32)


@pytest.mark.parametrize("options", [[], ["--groups=1"], ["--groups=3"], ["--schedule-search=false"]],
                         ids=["search", "one-group", "three-groups", "fixed-rule"])
@pytest.mark.parametrize("shape", [(1, 197, 768), (3, 37, 200), (2, 5, 16)],
                         ids=lambda s: "x".join(map(str, s)))
def test_residual_sum_is_also_a_model_output(smelt, tmp_path, shape, options):
    rng = np.random.default_rng(sum(shape))
    x, r = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    params = norm_parameters(shape[-1], rng)
    kernels, (a, y) = compile_and_run(
        smelt, tmp_path,
        [helper.make_node("Add", ["x", "r"], ["a"]),
         helper.make_node("LayerNormalization", ["a", "gamma", "beta"], ["y"], epsilon=EPS)],
        {"x": x, "r": r}, ["a", "y"], params, options)
    assert kernels == 1
    np.testing.assert_array_equal(a, x + r)
    np.testing.assert_allclose(y, layer_norm(x + r, **params), rtol=RTOL, atol=ATOL)


def test_pre_norm_block(smelt, tmp_path):
    """h = x + r; out = h + LN(h) @ W: the sum is stored by the layer norm's
    kernel and read again by the last add, after the GEMM."""
    x, r, params, weight = block_inputs(7, 50)
    kernels, (out,) = compile_and_run(
        smelt, tmp_path,
        [helper.make_node("Add", ["x", "r"], ["h"]),
         helper.make_node("LayerNormalization", ["h", "gamma", "beta"], ["n"], epsilon=EPS),
         helper.make_node("MatMul", ["n", "w"], ["m"]),
         helper.make_node("Add", ["h", "m"], ["out"])],
        {"x": x, "r": r}, ["out"], {**params, "w": weight})
    assert kernels == 3  # add + layer norm, the GEMM, the residual add
    h = x.astype(np.float64) + r
    np.testing.assert_allclose(out, h + layer_norm(h, **params) @ weight, rtol=RTOL, atol=ATOL)


def test_reader_whose_root_comes_first(smelt, tmp_path):
    """The other reader's kernel (k = 2a) has its root before the layer
    norm's in program order; it still runs after the kernel that stores a."""
    rng = np.random.default_rng(8)
    x, r = (rng.standard_normal((4, 33)).astype(np.float32) for _ in range(2))
    params = norm_parameters(33, rng)
    kernels, (k, y) = compile_and_run(
        smelt, tmp_path,
        [helper.make_node("Add", ["x", "r"], ["a"]),
         helper.make_node("Mul", ["a", "two"], ["k"]),
         helper.make_node("LayerNormalization", ["a", "gamma", "beta"], ["y"], epsilon=EPS)],
        {"x": x, "r": r}, ["k", "y"], {**params, "two": np.array(2, np.float32)})
    assert kernels == 2
    np.testing.assert_array_equal(k, (x + r) * 2)
    np.testing.assert_allclose(y, layer_norm(x + r, **params), rtol=RTOL, atol=ATOL)


def test_refused_when_the_group_reads_its_reader(smelt, tmp_path):
    """y = LN(a) + a @ W: the layer norm's group needs the GEMM, which needs
    a, so a stays a kernel of its own."""
    x, r, params, weight = block_inputs(9, 20)
    kernels, (y,) = compile_and_run(
        smelt, tmp_path,
        [helper.make_node("Add", ["x", "r"], ["a"]),
         helper.make_node("MatMul", ["a", "w"], ["t"]),
         helper.make_node("LayerNormalization", ["a", "gamma", "beta"], ["n"], epsilon=EPS),
         helper.make_node("Add", ["n", "t"], ["y"])],
        {"x": x, "r": r}, ["y"], {**params, "w": weight})
    assert kernels == 3  # the add, the GEMM, layer norm + add
    a = x.astype(np.float64) + r
    np.testing.assert_allclose(y, layer_norm(a, **params) + a @ weight, rtol=RTOL, atol=ATOL)


def test_refused_for_a_reduction_across_rows(smelt, tmp_path):
    """A mean over axis 1 needs every row of a: tiles of rows would each
    compute (and store) all of it, so a is not a side output there."""
    rng = np.random.default_rng(10)
    x, r = (rng.standard_normal((2, 30, 40)).astype(np.float32) for _ in range(2))
    kernels, (a, y) = compile_and_run(
        smelt, tmp_path,
        [helper.make_node("Add", ["x", "r"], ["a"]),
         helper.make_node("ReduceMean", ["a"], ["m"], axes=[1], keepdims=1),
         helper.make_node("Sub", ["a", "m"], ["y"])],
        {"x": x, "r": r}, ["a", "y"], {})
    assert kernels == 2
    s = x.astype(np.float64) + r
    np.testing.assert_array_equal(a, x + r)
    np.testing.assert_allclose(y, s - s.mean(1, keepdims=True), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("options", [[], ["--groups=1"], ["--schedule-search=false"]],
                         ids=["search", "one-group", "fixed-rule"])
@pytest.mark.parametrize("shape", [(1, 12, 128, 128), (2, 3, 7, 37)],
                         ids=lambda s: "x".join(map(str, s)))
def test_masked_scores_and_their_softmax(smelt, tmp_path, shape, options):
    """The softmax kernel (where the search may step through rows) stores
    its masked input for another reader."""
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    mask = np.triu(np.full(shape[-2:], -1e4, np.float32), 1)
    kernels, (a, y) = compile_and_run(
        smelt, tmp_path,
        [helper.make_node("Add", ["x", "mask"], ["a"]),
         helper.make_node("Softmax", ["a"], ["y"], axis=-1)],
        {"x": x}, ["a", "y"], {"mask": mask}, options)
    assert kernels == 1
    np.testing.assert_array_equal(a, x + mask)
    s = (x + mask).astype(np.float64)
    e = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(-1, keepdims=True), rtol=RTOL, atol=1e-7)


def test_side_output_through_row_steps(smelt, tmp_path):
    """A memory hierarchy with a small L2 makes the search step through rows
    inside each group: the step loop yields the side output's rows as well."""
    rng = np.random.default_rng(11)
    shape = (8, 12, 128, 128)
    x = rng.standard_normal(shape).astype(np.float32)
    mask = np.triu(np.full(shape[-2:], -1e4, np.float32), 1)
    levels = "dram:0:40,l3:33554432:60,l2:262144:100:group,l1:49152:2000:group"
    kernels, (a, y) = compile_and_run(
        smelt, tmp_path,
        [helper.make_node("Add", ["x", "mask"], ["a"]),
         helper.make_node("Softmax", ["a"], ["y"], axis=-1)],
        {"x": x}, ["a", "y"], {"mask": mask},
        [f"--memory-levels={levels}", f"--dump-dir={tmp_path}/dump"])
    assert kernels == 1
    schedule = (tmp_path / "dump" / "04-kernel-schedule.mlir").read_text()
    # The step loop carries the root's tile and the side output's.
    assert re.search(r"scf\.for .*-> \((tensor<[0-9x]+xf32>), \1\)", schedule), schedule
    np.testing.assert_array_equal(a, x + mask)
    s = (x + mask).astype(np.float64)
    e = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(-1, keepdims=True), rtol=RTOL, atol=1e-7)
