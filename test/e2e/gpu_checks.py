"""What the CUDA and ROCm end-to-end tests check alike: the models (exported
from PyTorch at test time) with their tolerances, a GPU-only artifact refused
on the CPU, a fat artifact running its CPU plan, GPU plans naming their
vendor libraries, and the models run on a GPU against PyTorch."""
import os
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

# fp32 against PyTorch, as the CPU tests; 1e-3 relative for the BERT-size
# encoder, whose reductions are reassociated across lanes.
RTOL, ATOL = 1e-4, 1e-5
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "mnist_cnn.onnx")


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
MODEL_IDS = [m[0] for m in MODELS]


def device_of(smelt, scheme):
    """'<scheme>:0' when that driver found a device, else None."""
    code, out, err = smelt("devices")
    assert code == 0, err
    return f"{scheme}:0" if f"{scheme}:0" in out else None


def any_gpu(smelt):
    return device_of(smelt, "cuda") is not None or device_of(smelt, "rocm") is not None


def refusal(smelt, scheme):
    """The `smelt devices -v` line of the driver that did not start (skips
    where its GPU is present)."""
    code, out, err = smelt("devices", "-v")
    assert code == 0, err
    if f"{scheme}:0" in out:
        pytest.skip(f"a {scheme} device is present")
    lines = [line for line in out.splitlines() if f"driver '{scheme}'" in line]
    assert lines, out
    assert "failed to start" in lines[0], lines[0]
    return lines[0], out


def check_fat_artifact_runs_on_cpu(smelt, tmp_path, targets, cpu_plan):
    """A fat artifact of `targets` runs plan `cpu_plan` on the CPU, and is
    what the default device runs where there is no GPU."""
    model, example = encoder(), torch.randn(2, 16, 64)
    expected = export(model, example, tmp_path / "model.onnx")
    np.save(tmp_path / "x.npy", example.numpy())
    code, out, err = smelt("compile", tmp_path / "model.onnx",
                           *[f"--target={t}" for t in targets], "-o", tmp_path / "fat.smelt",
                           "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "fat.smelt", "--device=cpu", "-v",
                           f"--input=@{tmp_path / 'x.npy'}", f"--output=@{tmp_path / 'y.npy'}")
    assert code == 0, err
    assert f"plan {cpu_plan} of {len(targets)} (target 'cpu')" in out + err
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=RTOL, atol=ATOL)
    if not any_gpu(smelt):
        code, out, err = smelt("run", tmp_path / "fat.smelt", f"--input=@{tmp_path / 'x.npy'}",
                               f"--output=@{tmp_path / 'z.npy'}")
        assert code == 0, err
        np.testing.assert_allclose(np.load(tmp_path / "z.npy"), expected, rtol=RTOL, atol=ATOL)


def check_gpu_only_artifact_is_refused_on_cpu(smelt, tmp_path, target, scheme):
    model, example = encoder(), torch.randn(2, 16, 64)
    export(model, example, tmp_path / "model.onnx")
    np.save(tmp_path / "x.npy", example.numpy())
    code, out, err = smelt("compile", tmp_path / "model.onnx", f"--target={target}", "-o",
                           tmp_path / "gpu.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "gpu.smelt", "--device=cpu",
                           f"--input=@{tmp_path / 'x.npy'}", f"--output=@{tmp_path / 'y.npy'}")
    assert code != 0
    assert "no plan of this artifact runs on device 'cpu:0'" in err
    assert f"target '{scheme}'" in err
    if device_of(smelt, scheme) is None:
        # Asking for the missing GPU names why its driver did not start.
        code, out, err = smelt("run", tmp_path / "gpu.smelt", f"--device={scheme}:0",
                               f"--input=@{tmp_path / 'x.npy'}")
        assert code != 0
        assert f"no device '{scheme}:0'" in err and f"driver '{scheme}' failed to start" in err, \
            err


def check_plans_offer(smelt, target, conv_library, gemm_library):
    """GEMMs and convolutions (with their bias/residual/relu epilogue) name
    the vendor's libraries, with the generated kernel as the fallback; no
    pooling calls on GPUs."""
    code, out, err = smelt("compile", EXAMPLE, f"--target={target}", "--emit=plan", "--quiet")
    assert code == 0, err
    convs = re.findall(rf'plan\.call "conv2d".*candidates = \["{conv_library}", @\w+\]', out)
    gemms = re.findall(rf'plan\.call "gemm".*candidates = \["{gemm_library}", @\w+\]', out)
    assert len(convs) == 2 and len(gemms) == 2, out
    assert '"pool2d"' not in out


def check_runs_on_gpu(smelt, tmp_path, scheme, targets, model, example, rtol):
    device = device_of(smelt, scheme)
    if device is None:
        pytest.skip(f"no {scheme} device (its driver did not start: see `smelt devices -v`)")
    expected = export(model, example, tmp_path / "model.onnx")
    np.save(tmp_path / "x.npy", example.numpy())
    code, out, err = smelt("compile", tmp_path / "model.onnx",
                           *[f"--target={t}" for t in targets], "-o", tmp_path / "model.smelt",
                           "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "model.smelt", f"--device={device}", "-v",
                           f"--input=@{tmp_path / 'x.npy'}", f"--output=@{tmp_path / 'y.npy'}")
    assert code == 0, err
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=rtol, atol=ATOL)
