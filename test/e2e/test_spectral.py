"""DFT and STFT against NumPy's FFT (float64) for real and complex signals,
forward and inverse, onesided, dft_length padding and truncation, another
axis, windows; MelWeightMatrix's shape and filters. The transforms are f32
products with cosine/sine matrices: tolerance atol 2e-4 for lengths up to
256 of unit-normal samples (sums of up to 256 f32 terms), rtol 1e-4."""
import numpy as np
import pytest
from conftest import compile_and_run_onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(17)
RTOL, ATOL = 1e-4, 2e-4


def run(smelt, tmp_path, node, inputs, initializers=(), opset=17):
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(v.shape))
         for k, v in inputs.items()],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(v, k) for k, v in dict(initializers).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return compile_and_run_onnx(smelt, tmp_path, model, inputs, ["y"])[1][0]


def as_complex(y):
    return y[..., 0] + 1j * y[..., 1]


@pytest.mark.parametrize("length", [None, 100, 300])
@pytest.mark.parametrize("inverse", [0, 1])
def test_dft_of_a_complex_signal(smelt, tmp_path, length, inverse):
    x = RNG.standard_normal((3, 256, 2)).astype(np.float32)
    inputs = ["x", "n"] if length else ["x"]
    init = {"n": np.array(length, np.int64)} if length else {}
    y = run(smelt, tmp_path, helper.make_node("DFT", inputs, ["y"], axis=1, inverse=inverse),
            {"x": x}, init)
    signal = x[..., 0].astype(np.float64) + 1j * x[..., 1]
    fft = np.fft.ifft if inverse else np.fft.fft
    np.testing.assert_allclose(as_complex(y), fft(signal, n=length or 256, axis=1),
                               rtol=RTOL, atol=ATOL)


def test_onesided_dft_of_a_real_signal_along_another_axis(smelt, tmp_path):
    x = RNG.standard_normal((64, 5, 1)).astype(np.float32)
    y = run(smelt, tmp_path, helper.make_node("DFT", ["x"], ["y"], axis=0, onesided=1),
            {"x": x})
    np.testing.assert_allclose(as_complex(y), np.fft.rfft(x[..., 0].astype(np.float64), axis=0),
                               rtol=RTOL, atol=ATOL)


def test_dft_takes_its_axis_as_an_input_from_opset_20(smelt, tmp_path):
    x = RNG.standard_normal((4, 50, 1)).astype(np.float32)
    y = run(smelt, tmp_path, helper.make_node("DFT", ["x", "", "axis"], ["y"]), {"x": x},
            {"axis": np.array(1, np.int64)}, opset=20)
    np.testing.assert_allclose(as_complex(y), np.fft.fft(x[..., 0].astype(np.float64), axis=1),
                               rtol=RTOL, atol=ATOL)


def test_stft_with_a_window(smelt, tmp_path):
    x = RNG.standard_normal((2, 1000, 1)).astype(np.float32)
    window = np.hanning(128).astype(np.float32)
    node = helper.make_node("STFT", ["x", "step", "window"], ["y"])
    y = run(smelt, tmp_path, node, {"x": x}, {"step": np.array(40, np.int64), "window": window})
    frames = 1 + (1000 - 128) // 40
    framed = np.stack([x[:, f * 40:f * 40 + 128, 0] for f in range(frames)], axis=1)
    expected = np.fft.rfft(framed.astype(np.float64) * window, axis=-1)
    assert y.shape == (2, frames, 65, 2)
    np.testing.assert_allclose(as_complex(y), expected, rtol=RTOL, atol=ATOL)


def test_mel_weight_matrix_is_a_constant_of_triangles(smelt, tmp_path):
    graph = helper.make_graph(
        [helper.make_node("MelWeightMatrix", ["m", "n", "rate", "low", "high"], ["y"])], "g", [],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(np.array(v, dtype), k) for k, v, dtype in [
            ("m", 8, np.int64), ("n", 64, np.int64), ("rate", 16000, np.int64),
            ("low", 0.0, np.float32), ("high", 8000.0, np.float32)]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    log, (y,) = compile_and_run_onnx(smelt, tmp_path, model, {}, ["y"])
    assert y.shape == (33, 8)
    assert np.all(y >= 0) and np.all(y <= 1)
    # Each filter peaks at 1 at its centre and the centres rise.
    assert np.allclose(y.max(axis=0), 1)
    assert np.all(np.diff(y.argmax(axis=0)) >= 0)
