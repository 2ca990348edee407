"""The GPU lowering (backends/gpu/KernelToGpu) checked numerically without a
GPU: with SMELT_GPU_LOWERING_ON_CPU=cuda (or rocm) a CPU target's kernels are
scheduled for that GPU (sm_90: units of 8 warps; gfx942: 4 wavefronts and
64 KiB of LDS; no CPU register tiling, library ops as generated kernels) and
lowered to gpu.func with one-thread blocks, which the CPU backend then
compiles. The models match PyTorch as on the CPU path (rtol 1e-4,
atol 1e-5). What this cannot check is the split of each op between a
block's threads and the shuffles; test_cuda.py runs those on a GPU."""
import os
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-4, 1e-5


@pytest.fixture(params=["cuda", "rocm"])
def gpu(request):
    return request.param


def compile_and_run(tmp_path, model, example, gpu):
    model.eval()
    torch.onnx.export(model, example, str(tmp_path / "model.onnx"), opset_version=17)
    np.save(tmp_path / "x.npy", example.numpy())
    with torch.no_grad():
        expected = model(example).numpy()
    binary = os.path.join(os.environ["SMELT_BUILD_DIR"], "bin", "smelt")
    env = {**os.environ, "SMELT_GPU_LOWERING_ON_CPU": gpu}
    result = subprocess.run([binary, "compile", tmp_path / "model.onnx", "-o",
                             tmp_path / "model.smelt", "--quiet"], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([binary, "run", tmp_path / "model.smelt",
                             f"--input=@{tmp_path / 'x.npy'}", f"--output=@{tmp_path / 'y.npy'}"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=RTOL, atol=ATOL)


def test_transformer_encoder(tmp_path, gpu):
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128,
                                             dropout=0.0, batch_first=True)
    compile_and_run(tmp_path, torch.nn.TransformerEncoder(layer, num_layers=2),
                    torch.randn(2, 16, 64), gpu)


def test_resnet18(tmp_path, gpu):
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    compile_and_run(tmp_path, torchvision.models.resnet18(weights=None),
                    torch.randn(1, 3, 224, 224), gpu)


@pytest.mark.parametrize("rows,width", [(64, 1024), (5, 37), (3, 4096), (1, 8)])
def test_softmax_and_layer_norm(tmp_path, rows, width, gpu):
    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = torch.nn.LayerNorm(width)

        def forward(self, x):
            return torch.softmax(self.norm(x) * 2.0, -1)

    torch.manual_seed(rows)
    compile_and_run(tmp_path, Block(), torch.randn(rows, width), gpu)


def test_an_unknown_gpu_is_a_clear_error(tmp_path):
    binary = os.path.join(os.environ["SMELT_BUILD_DIR"], "bin", "smelt")
    model = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "mnist_cnn.onnx")
    result = subprocess.run([binary, "compile", model, "-o", tmp_path / "m.smelt", "--quiet"],
                            capture_output=True, text=True,
                            env={**os.environ, "SMELT_GPU_LOWERING_ON_CPU": "tpu"})
    assert result.returncode != 0
    assert "SMELT_GPU_LOWERING_ON_CPU is 'tpu'; expected 1 (or cuda), rocm or 0" in result.stderr
