"""The end-to-end models of the GPU check (benchmarks/gpu/models.py: BERT- and
GPT-2-like stacks, ResNet-18 and a mix of grouped, dilated and asymmetrically
padded convolutions, with their weights as graph inputs), small
here: each compiled for the CPU and run must match its PyTorch twin, which
the device run times against Smelt on the GPU (so the twin must compute what
the graph does), and compile for cuda:sm_90. Tolerance rtol 1e-4, atol 1e-4
(f32 through two layers; the twin is PyTorch's own f32 arithmetic)."""
import os
import sys

import numpy as np
import onnx
import pytest
from conftest import compile_and_run_onnx

torch = pytest.importorskip("torch")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "benchmarks", "gpu"))
import models  # noqa: E402

SPECS = {
    "bert": models.bert_spec(layers=2, batch=2, seq=16, hidden=64, heads=4, ffn=128),
    "gpt2": models.gpt2_spec(layers=2, batch=2, seq=16, hidden=64, heads=4, ffn=128),
    "resnet18": models.resnet18_spec(batch=2, size=64, classes=10),
    "conv_mix": models.conv_mix_spec(batch=2, size=16, channels=8),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_model_matches_its_pytorch_twin(smelt, tmp_path, name):
    spec = SPECS[name]
    feeds = models.draw_inputs(spec, seed=1)
    _, (y,) = compile_and_run_onnx(smelt, tmp_path, models.build(spec), feeds, ["y"])
    with torch.no_grad():
        expected = models.torch_forward(spec, {k: torch.from_numpy(v) for k, v in feeds.items()})
    np.testing.assert_allclose(y, expected.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["gpt2", "resnet18", "conv_mix"])
def test_model_compiles_for_cuda(smelt, tmp_path, name):
    onnx.save(models.build(SPECS[name]), str(tmp_path / "m.onnx"))
    code, _, err = smelt("compile", tmp_path / "m.onnx", "--target=cuda:sm_90", "-o",
                         tmp_path / "m.smelt")
    assert code == 0, err
