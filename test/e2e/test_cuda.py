"""The CUDA backend end to end.

Offline (every machine): models compile for cuda:sm_80 and cuda:sm_90, and
ptxas (from the CUDA toolkit, when present) assembles every kernel of their
PTX; a fat artifact (cpu + cuda) runs its CPU plan where no GPU exists; the
CUDA driver says why it did not start.

On a machine with an NVIDIA GPU: the same models run on cuda:0 and match
PyTorch (fp32; rtol 1e-4, atol 1e-5 as the CPU tests, and 1e-3 relative for
the BERT-size encoder whose reductions are reassociated across lanes). These
skip with a message where there is no GPU (CI never has one).
"""
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-4, 1e-5
CUDA_HOME = os.environ.get("CUDA_HOME", "/usr/local/cuda")


def ptxas():
    found = os.path.join(CUDA_HOME, "bin", "ptxas")
    return found if os.path.exists(found) else shutil.which("ptxas")


def cuda_device(smelt):
    """'cuda:0' when the CUDA driver found a GPU, else None."""
    code, out, err = smelt("devices")
    assert code == 0, err
    return "cuda:0" if "cuda:0" in out else None


def export(model, example, path, opset=17):
    model.eval()
    torch.onnx.export(model, example, str(path), opset_version=opset)
    with torch.no_grad():
        return model(example).numpy()


def encoder(d_model=64, heads=4, ff=128, layers=2):
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=d_model, nhead=heads, dim_feedforward=ff,
                                             dropout=0.0, batch_first=True)
    return torch.nn.TransformerEncoder(layer, num_layers=layers)


def models():
    import torchvision
    torch.manual_seed(0)
    yield "resnet18", torchvision.models.resnet18(weights=None), torch.randn(1, 3, 224, 224), RTOL
    yield "transformer-encoder", encoder(), torch.randn(2, 16, 64), RTOL
    yield "bert-size-encoder", encoder(768, 12, 3072, 2), torch.randn(1, 128, 768), 1e-3


MODELS = list(models())


@pytest.mark.parametrize("name,model,example,rtol", MODELS, ids=[m[0] for m in MODELS])
@pytest.mark.parametrize("chip", ["sm_80", "sm_90"])
def test_compiles_and_assembles(smelt, tmp_path, name, model, example, rtol, chip):
    onnx_path = tmp_path / "model.onnx"
    export(model, example, onnx_path)
    dump = tmp_path / "dump"
    code, out, err = smelt("compile", onnx_path, f"--target=cuda:{chip}", "-o",
                           tmp_path / "model.smelt", f"--dump-dir={dump}", "--quiet")
    assert code == 0, err
    ptx = (dump / "kernels.ptx").read_text()
    assert f".target {chip}" in ptx
    assert ".reqntid 256, 1, 1" in ptx
    assembler = ptxas()
    if assembler is None:
        pytest.skip("ptxas not found (no CUDA toolkit): the PTX was generated but not assembled")
    result = subprocess.run([assembler, f"-arch={chip}", "-O3", "-o", str(tmp_path / "k.cubin"),
                             str(dump / "kernels.ptx")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_plans_offer_cublas_and_cudnn(smelt):
    """GEMMs name cuBLAS and convolutions (with their epilogue) cuDNN, each
    with the generated kernel as the fallback."""
    model = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "mnist_cnn.onnx")
    code, out, err = smelt("compile", model, "--target=cuda", "--emit=plan", "--quiet")
    assert code == 0, err
    convs = re.findall(r'plan\.call "conv2d".*candidates = \["cuDNN", @(\w+)\]', out)
    gemms = re.findall(r'plan\.call "gemm".*candidates = \["cuBLAS", @(\w+)\]', out)
    assert len(convs) == 2 and len(gemms) == 2, out
    assert '"pool2d"' not in out


def test_fat_artifact_runs_on_cpu_without_gpu(smelt, tmp_path):
    model, example = encoder(), torch.randn(2, 16, 64)
    expected = export(model, example, tmp_path / "model.onnx")
    np.save(tmp_path / "x.npy", example.numpy())
    code, out, err = smelt("compile", tmp_path / "model.onnx", "--target=cuda:sm_90",
                           "--target=cpu", "-o", tmp_path / "fat.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "fat.smelt", "--device=cpu", "-v",
                           f"--input=@{tmp_path / 'x.npy'}", f"--output=@{tmp_path / 'y.npy'}")
    assert code == 0, err
    assert "target 'cpu'" in out + err
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=RTOL, atol=ATOL)
    if cuda_device(smelt) is None:
        # With no GPU the default device is the CPU, and the CPU plan runs.
        code, out, err = smelt("run", tmp_path / "fat.smelt", f"--input=@{tmp_path / 'x.npy'}",
                               f"--output=@{tmp_path / 'z.npy'}")
        assert code == 0, err
        np.testing.assert_allclose(np.load(tmp_path / "z.npy"), expected, rtol=RTOL, atol=ATOL)


def test_cuda_only_artifact_on_cpu_is_a_clear_error(smelt, tmp_path):
    model, example = encoder(), torch.randn(2, 16, 64)
    export(model, example, tmp_path / "model.onnx")
    np.save(tmp_path / "x.npy", example.numpy())
    code, out, err = smelt("compile", tmp_path / "model.onnx", "--target=cuda:sm_90", "-o",
                           tmp_path / "gpu.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "gpu.smelt", "--device=cpu",
                           f"--input=@{tmp_path / 'x.npy'}", f"--output=@{tmp_path / 'y.npy'}")
    assert code != 0
    assert "no plan of this artifact runs on device 'cpu:0'" in err
    assert "target 'cuda'" in err


def test_driver_reports_why_it_did_not_start(smelt):
    code, out, err = smelt("devices", "-v")
    assert code == 0, err
    if "cuda:0" in out:
        pytest.skip("a CUDA device is present")
    # Refused with the reason: no libcuda.so.1, or cuInit failing.
    lines = [line for line in out.splitlines() if "driver 'cuda'" in line]
    assert lines, out
    assert "failed to start" in lines[0]
    assert "libcuda.so.1" in lines[0] or "cuInit" in lines[0]


def test_stub_driver_library_is_named(smelt, tmp_path):
    stub = os.path.join(CUDA_HOME, "lib64", "stubs", "libcuda.so")
    if not os.path.exists(stub):
        pytest.skip("no CUDA toolkit stub libcuda.so here")
    binary = os.path.join(os.environ["SMELT_BUILD_DIR"], "bin", "smelt")
    result = subprocess.run([binary, "devices", "-v"], capture_output=True, text=True,
                            env={**os.environ, "SMELT_LIBCUDA_PATH": stub})
    assert result.returncode == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if "driver 'cuda'" in l)
    assert "cuInit failed" in line and "stub" in line, line


@pytest.mark.parametrize("name,model,example,rtol", MODELS, ids=[m[0] for m in MODELS])
def test_runs_on_gpu(smelt, tmp_path, name, model, example, rtol):
    device = cuda_device(smelt)
    if device is None:
        pytest.skip("no CUDA device (the CUDA driver did not start: see `smelt devices -v`)")
    expected = export(model, example, tmp_path / "model.onnx")
    np.save(tmp_path / "x.npy", example.numpy())
    code, out, err = smelt("compile", tmp_path / "model.onnx", "--target=cuda:sm_90",
                           "--target=cuda:sm_80", "-o", tmp_path / "model.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "model.smelt", f"--device={device}", "-v",
                           f"--input=@{tmp_path / 'x.npy'}", f"--output=@{tmp_path / 'y.npy'}")
    assert code == 0, err
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=rtol, atol=ATOL)
