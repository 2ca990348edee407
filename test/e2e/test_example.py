"""The bundled example model against a NumPy evaluation of the same graph."""
import os

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "examples", "mnist_cnn.onnx")


def conv2d(x, w, b, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    out = np.zeros((n, f, h - kh + 1, wd - kw + 1), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + out.shape[2], j:j + out.shape[3]]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return out + b[None, :, None, None]


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def reference(image, weights):
    g = {k: v.astype(np.float64) for k, v in weights.items()}
    x = conv2d(image.astype(np.float64), g["conv1.w"], g["conv1.b"], 1)
    scale = g["bn1.scale"] / np.sqrt(g["bn1.var"] + 1e-5)
    x = (x - g["bn1.mean"][None, :, None, None]) * scale[None, :, None, None] \
        + g["bn1.bias"][None, :, None, None]
    x = maxpool2(np.maximum(x, 0))
    x = maxpool2(np.maximum(conv2d(x, g["conv2.w"], g["conv2.b"], 1), 0))
    x = x.reshape(1, -1)
    x = np.maximum(x @ g["fc1.w"].T + g["fc1.b"], 0)
    logits = x @ g["fc2.w"].T + g["fc2.b"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_mnist_cnn_matches_numpy(smelt, tmp_path):
    model = onnx.load(MODEL)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    image = np.random.default_rng(7).standard_normal((1, 1, 28, 28)).astype(np.float32)
    np.save(tmp_path / "image.npy", image)
    code, _, err = smelt("compile", MODEL, "-o", tmp_path / "m.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "m.smelt", f"--input=@{tmp_path / 'image.npy'}",
                           f"--output=@{tmp_path / 'p.npy'}")
    assert code == 0, err
    assert "probabilities: 1x10xf32" in out
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), reference(image, weights),
                               rtol=1e-4, atol=1e-6)


def test_run_without_inputs_uses_random_ones(smelt, tmp_path):
    code, _, err = smelt("compile", MODEL, "-o", tmp_path / "m.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "m.smelt")
    assert code == 0, err
    assert "input 'image': random 1x1x28x28xf32" in out
    assert "probabilities: 1x10xf32" in out


def test_inline_input_spec(smelt, tmp_path):
    code, _, err = smelt("compile", MODEL, "-o", tmp_path / "m.smelt", "--quiet")
    assert code == 0, err
    code, out, err = smelt("run", tmp_path / "m.smelt", "--input=1x1x28x28xf32=0.5")
    assert code == 0, err
    image = np.full((1, 1, 28, 28), 0.5, np.float32)
    model = onnx.load(MODEL)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    first = reference(image, weights)[0, 0]
    printed = float(out.split("[")[1].split(",")[0])
    assert abs(printed - first) <= 1e-4 * abs(first) + 1e-5


def test_dump_dir_writes_every_phase_and_a_fusion_report(smelt, tmp_path):
    import json
    dump = tmp_path / "dump"
    code, _, err = smelt("compile", MODEL, "-o", tmp_path / "m.smelt", "--quiet",
                         f"--dump-dir={dump}")
    assert code == 0, err
    names = sorted(p.name for p in dump.iterdir())
    assert names[0] == "00-import.mlir" and "02-graph-to-kernel.mlir" in names
    assert any(n.endswith("-plan-memory.mlir") for n in names)
    # The CPU code: optimized LLVM IR with each kernel's entry, and assembly.
    llvm_ir = (dump / "kernels.ll").read_text()
    assert "define " in llvm_ir and "k0_" in llvm_ir
    assert "k0_" in (dump / "kernels.s").read_text()
    report = json.loads((dump / "fusion-report.json").read_text())
    kernels = report["kernels"]
    assert report["kernel_count"] == len(kernels) < report["ops"]
    # Fusion never moves more bytes than the same ops as separate kernels.
    assert all(k["bytes_fused"] <= k["bytes_unfused"] for k in kernels)
    assert report["bytes_fused"] < report["bytes_unfused"]
    assert any(len(k["ops"]) > 1 for k in kernels)
    assert "| Kernel | Ops |" in (dump / "fusion-report.md").read_text()
    # Every generated kernel carries the cost model's estimate for the
    # schedule the search chose: device-memory bytes at least what the kernel
    # must read and write once (its fused bytes) less what broadcast
    # operands share, a positive time, and at least one candidate.
    estimates = [k["estimate"] for k in kernels if k["estimate"]]
    assert estimates
    for estimate in estimates:
        assert estimate["candidates"] >= 1 and estimate["estimated_ns"] > 0
        assert estimate["dram_bytes"] > 0
