"""ONNX RNN with per-batch sequence_lens, forward and reverse, against a NumPy
evaluation of the specification: past an entry's length the state carries
over and Y is zero; the reverse direction starts at each entry's last step."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

T, B, I, H = 5, 3, 4, 6
LENGTHS = np.array([5, 2, 3], np.int32)


def reference(x, w, r, b, lengths, reverse):
    y = np.zeros((T, 1, B, H), np.float64)
    y_h = np.zeros((1, B, H), np.float64)
    for n in range(B):
        h = np.zeros(H)
        order = range(lengths[n] - 1, -1, -1) if reverse else range(lengths[n])
        for t in order:
            h = np.tanh(x[t, n] @ w.T + h @ r.T + b[:H] + b[H:])
            y[t, 0, n] = h
        y_h[0, n] = h
    return y, y_h


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_rnn_with_sequence_lengths(smelt, tmp_path, direction):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    w = (rng.standard_normal((1, H, I)) * 0.5).astype(np.float32)
    r = (rng.standard_normal((1, H, H)) * 0.5).astype(np.float32)
    b = rng.standard_normal((1, 2 * H)).astype(np.float32)
    node = helper.make_node("RNN", ["x", "w", "r", "b", "lens"], ["y", "y_h"], hidden_size=H,
                            direction=direction)
    graph = helper.make_graph(
        [node], "rnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [T, B, I]),
                        helper.make_tensor_value_info("lens", TensorProto.INT32, [B])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [T, 1, B, H]),
         helper.make_tensor_value_info("y_h", TensorProto.FLOAT, [1, B, H])],
        initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(r, "r"),
                     numpy_helper.from_array(b, "b")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]),
              tmp_path / "rnn.onnx")
    assert smelt("compile", tmp_path / "rnn.onnx", "-o", tmp_path / "rnn.smelt", "--quiet")[0] == 0
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "lens.npy", LENGTHS)
    code, _, err = smelt("run", tmp_path / "rnn.smelt", f"--input=@{tmp_path}/x.npy",
                         f"--input=@{tmp_path}/lens.npy", f"--output=@{tmp_path}/y.npy",
                         f"--output=@{tmp_path}/y_h.npy")
    assert code == 0, err
    y, y_h = reference(x.astype(np.float64), w[0], r[0], b[0], LENGTHS, direction == "reverse")
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), y, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "y_h.npy"), y_h, rtol=1e-5, atol=1e-6)
