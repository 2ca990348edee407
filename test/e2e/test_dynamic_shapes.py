"""Models with symbolic dims compile once and run at several sizes: a PyTorch
TransformerEncoder exported with dynamic batch and sequence axes, compiled with
--dim for two sizes of each, runs every combination and matches PyTorch; a size
it was not compiled for is a clear error naming the sizes it has."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-4, 1e-5


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    torch.manual_seed(5)
    layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                             dropout=0.0, batch_first=True)
    model = torch.nn.TransformerEncoder(layer, num_layers=1).eval()
    path = tmp_path_factory.mktemp("dyn") / "encoder.onnx"
    torch.onnx.export(model, torch.randn(2, 7, 32), str(path), input_names=["x"],
                      output_names=["y"], opset_version=14,
                      dynamic_axes={"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})
    return model, path


def test_one_artifact_runs_every_compiled_size(smelt, tmp_path, encoder):
    model, onnx_path = encoder
    artifact = tmp_path / "encoder.smelt"
    code, _, err = smelt("compile", onnx_path, "-o", artifact, "--dim=batch=1,3",
                         "--dim=seq=5,9")
    assert code == 0, err
    assert "[batch=3, seq=9]" in err  # progress names each specialisation
    for batch, seq in [(1, 5), (3, 9), (3, 5), (1, 9)]:
        x = torch.randn(batch, seq, 32)
        np.save(tmp_path / "x.npy", x.numpy())
        code, out, err = smelt("run", artifact, f"--input=@{tmp_path}/x.npy",
                               f"--output=@{tmp_path}/y.npy")
        assert code == 0, err
        with torch.no_grad():
            expected = model(x).numpy()
        np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=RTOL, atol=ATOL)

    np.save(tmp_path / "x.npy", np.zeros((2, 5, 32), np.float32))
    code, _, err = smelt("run", artifact, f"--input=@{tmp_path}/x.npy")
    assert code == 1
    assert ("no compiled size matches the input shapes (2x5x32); this artifact runs "
            "(1x5x32); (1x9x32); (3x5x32); (3x9x32)") in err


def test_bad_dim_options_are_clear_errors(smelt, tmp_path, encoder):
    _, onnx_path = encoder
    code, _, err = smelt("compile", onnx_path, "-o", tmp_path / "e.smelt", "--dim=beam=2",
                         "--dim=batch=1", "--dim=seq=4")
    assert code == 1
    assert "--dim names 'beam', which is no symbolic dimension of the model's inputs" in err
    code, _, err = smelt("compile", onnx_path, "-o", tmp_path / "e.smelt", "--dim=batch=x")
    assert code == 1 and "bad --dim 'batch=x'" in err
    code, _, err = smelt("compile", onnx_path, "-o", tmp_path / "e.smelt", "--dim=batch=2")
    assert code == 1 and "symbolic dimension 'seq'" in err
