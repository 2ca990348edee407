"""Scan of opset 8 (a batch dim in front of states and scan inputs, the first
input sequence_lens): a running sum and product per batch entry, forward and
reversed, against NumPy; exact for these small integers in f32. Shorter
sequences than the scan length are refused with the reason."""
import numpy as np
import onnx
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper, numpy_helper


def scan_model(directions, lengths=None):
    body = helper.make_graph(
        [helper.make_node("Add", ["sum_in", "x_t"], ["sum_out"]),
         helper.make_node("Mul", ["sum_out", "two"], ["scaled"])],
        "body",
        [helper.make_tensor_value_info("sum_in", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("x_t", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("sum_out", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("scaled", TensorProto.FLOAT, [3])],
        initializer=[numpy_helper.from_array(np.full(3, 2, np.float32), "two")])
    node = helper.make_node("Scan", ["lens" if lengths is not None else "", "init", "x"],
                            ["final", "trace"], body=body, num_scan_inputs=1,
                            directions=directions)
    init = [] if lengths is None else [numpy_helper.from_array(lengths, "lens")]
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("init", TensorProto.FLOAT, [2, 3]),
                      helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 3])],
        [helper.make_tensor_value_info("final", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("trace", TensorProto.FLOAT, None)], initializer=init)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 8)])


@pytest.mark.parametrize("reverse", [0, 1])
def test_batched_scan_matches_numpy(smelt, tmp_path, reverse):
    rng = np.random.default_rng(8)
    init = rng.integers(-3, 3, (2, 3)).astype(np.float32)
    x = rng.integers(-3, 3, (2, 4, 3)).astype(np.float32)
    _, (final, trace) = compile_and_run_onnx(
        smelt, tmp_path, scan_model([reverse], np.array([4, 4], np.int32)),
        {"init": init, "x": x}, ["final", "trace"])
    steps = x[:, ::-1] if reverse else x
    sums = init[:, None, :] + np.cumsum(steps, axis=1)
    np.testing.assert_array_equal(final, sums[:, -1])
    np.testing.assert_array_equal(trace, 2 * sums)


def test_shorter_sequences_are_refused(smelt, tmp_path):
    onnx.save(scan_model([0], np.array([4, 2], np.int32)), str(tmp_path / "m.onnx"))
    code, _, err = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt")
    assert code != 0
    assert "every sequence of the full length 4" in err, err
