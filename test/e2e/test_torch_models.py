"""The issue's acceptance models, exported from PyTorch at test time, compiled with
`smelt compile`, run with `smelt run`, and compared with PyTorch's own result in
fp32 (rtol 1e-4, atol 1e-5)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-4, 1e-5


def export_and_compare(smelt, tmp_path, model, example, opset):
    model.eval()
    onnx_path = tmp_path / "model.onnx"
    torch.onnx.export(model, example, str(onnx_path), opset_version=opset)
    np.save(tmp_path / "x.npy", example.numpy())
    with torch.no_grad():
        expected = model(example).numpy()

    code, out, err = smelt("compile", onnx_path, "-o", tmp_path / "model.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "model.smelt", f"--input=@{tmp_path / 'x.npy'}",
                           f"--output=@{tmp_path / 'y.npy'}")
    assert code == 0, err
    actual = np.load(tmp_path / "y.npy")
    assert actual.shape == expected.shape and actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("opset", [13, 17])
def test_resnet18(smelt, tmp_path, opset):
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(opset)
    model = torchvision.models.resnet18(weights=None)
    export_and_compare(smelt, tmp_path, model, torch.randn(1, 3, 224, 224), opset)


@pytest.mark.parametrize("opset", [13, 14])
def test_transformer_encoder(smelt, tmp_path, opset):
    torch.manual_seed(opset)
    layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128,
                                             dropout=0.0, batch_first=True)
    model = torch.nn.TransformerEncoder(layer, num_layers=2)
    export_and_compare(smelt, tmp_path, model, torch.randn(2, 10, 64), opset)


class Recurrent(torch.nn.Module):
    """A recurrent layer's full output sequence, as one tensor."""

    def __init__(self, cell, **options):
        super().__init__()
        self.cell = cell(input_size=5, hidden_size=6, batch_first=True, **options)

    def forward(self, x):
        return self.cell(x)[0]


@pytest.mark.parametrize("cell,options", [
    (torch.nn.LSTM, {"num_layers": 2, "bidirectional": True}),
    (torch.nn.GRU, {"bidirectional": True}),
    (torch.nn.RNN, {"nonlinearity": "relu", "num_layers": 2}),
], ids=["lstm-2-layers-bidirectional", "gru-bidirectional", "rnn-relu-2-layers"])
def test_recurrent_layers(smelt, tmp_path, cell, options):
    # Exported as ONNX LSTM/GRU/RNN nodes (GRU with linear_before_reset=1),
    # unrolled over the 7 steps by the importer.
    torch.manual_seed(3)
    export_and_compare(smelt, tmp_path, Recurrent(cell, **options), torch.randn(3, 7, 5), 14)


class PoolWithIndices(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = torch.nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)

    def forward(self, x):
        values, indices = self.pool(x)
        return values + indices.to(torch.float32)  # both, exactly


def test_max_pool_indices(smelt, tmp_path):
    # Exported as ONNX MaxPool with its Indices output (and the ops PyTorch adds
    # to make them per-plane); values and indices must both match.
    torch.manual_seed(2)
    export_and_compare(smelt, tmp_path, PoolWithIndices(), torch.randn(2, 3, 9, 8), 13)
