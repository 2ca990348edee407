"""Ops whose output size depends on values (NonZero, Compress, Unique) with the
deciding input constant, as in shape computations and fixed masks: against
NumPy's nonzero and compress, exact; with a run-time deciding input the error
says why and how to freeze it."""
import numpy as np
import onnx
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(9)


def model(nodes, inputs, initializers, output_type=TensorProto.FLOAT):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(v.shape))
                     for k, v in inputs.items()],
        [helper.make_tensor_value_info("y", output_type, None)],
        initializer=[numpy_helper.from_array(v, k) for k, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_nonzero_of_a_constant(smelt, tmp_path):
    mask = RNG.random((3, 4, 5)) < 0.4
    nodes = [helper.make_node("NonZero", ["mask"], ["y"])]
    m = model(nodes, {}, {"mask": mask}, TensorProto.INT64)
    _, (y,) = compile_and_run_onnx(smelt, tmp_path, m, {}, ["y"])
    np.testing.assert_array_equal(y, np.array(np.nonzero(mask)))


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_compress_with_a_constant_condition(smelt, tmp_path, axis):
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    length = x.size if axis is None else x.shape[axis]
    condition = RNG.random(length - 1) < 0.5  # shorter than the axis: the rest is dropped
    attributes = {} if axis is None else {"axis": axis}
    nodes = [helper.make_node("Compress", ["x", "c"], ["y"], **attributes)]
    _, (y,) = compile_and_run_onnx(smelt, tmp_path, model(nodes, {"x": x}, {"c": condition}),
                                   {"x": x}, ["y"])
    np.testing.assert_array_equal(y, np.compress(condition, x, axis=axis))


def test_a_runtime_condition_is_refused_with_the_reason(smelt, tmp_path):
    nodes = [helper.make_node("Greater", ["x", "zero"], ["c"]),
             helper.make_node("Compress", ["x", "c"], ["y"], axis=0)]
    m = model(nodes, {"x": np.zeros(4, np.float32)}, {"zero": np.array(0, np.float32)})
    onnx.save(m, str(tmp_path / "m.onnx"))
    code, _, err = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt")
    assert code != 0
    assert "the condition decides the output's size" in err and "--constant-input" in err, err


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_unique_of_a_constant(smelt, tmp_path, axis):
    x = RNG.integers(0, 3, (5, 4)).astype(np.float32)
    x[3] = x[1]  # a repeated row
    attributes = {} if axis is None else {"axis": axis}
    nodes = [helper.make_node("Unique", ["x"], ["y", "first", "inverse", "counts"],
                              **attributes)]
    graph = helper.make_graph(nodes, "g", [], [
        helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
        *[helper.make_tensor_value_info(n, TensorProto.INT64, None)
          for n in ("first", "inverse", "counts")]],
        initializer=[numpy_helper.from_array(x, "x")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])
    _, (y, first, inverse, counts) = compile_and_run_onnx(
        smelt, tmp_path, m, {}, ["y", "first", "inverse", "counts"])
    ey, efirst, einverse, ecounts = np.unique(x, return_index=True, return_inverse=True,
                                              return_counts=True, axis=axis)
    np.testing.assert_array_equal(y, ey)
    np.testing.assert_array_equal(first, efirst)
    np.testing.assert_array_equal(inverse, einverse.ravel())
    np.testing.assert_array_equal(counts, ecounts)
