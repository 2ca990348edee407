"""Per-op implementation choice at load time: a plain f32 MatMul is offered to
vendor GEMMs (oneDNN, then OpenBLAS), convolutions and poolings to oneDNN,
with the generated kernel as fallback.
The runtime picks the first library it finds (SMELT_<LIB>_PATH=off removes
one), `smelt run -v` shows the choice, and every choice matches NumPy."""
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

# f32 GEMM against a float64 reference: K <= 256 terms of unit-variance
# products; library and generated summation orders differ.
RTOL, ATOL = 1e-5, 1e-4


def matmul_model(path, shared_weight):
    rng = np.random.default_rng(7)
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, 33, 70])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 33, 45])
    inputs, initializers = [a], []
    if shared_weight:
        w = rng.standard_normal((70, 45)).astype(np.float32)
        initializers.append(numpy_helper.from_array(w, "w"))
    else:
        w = None
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [3, 70, 45]))
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "w"], ["y"])], "mm", inputs,
                              [y], initializer=initializers)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return w


def library_found(smelt, name):
    code, out, _ = smelt("devices", "-v")
    assert code == 0
    line = next(l for l in out.splitlines() if l.strip().startswith(name + " "))
    return " found " in line


@pytest.mark.parametrize("shared_weight", [True, False])
def test_each_implementation_matches_numpy(tmp_path, smelt, monkeypatch, shared_weight):
    model, artifact = tmp_path / "mm.onnx", tmp_path / "mm.smelt"
    w = matmul_model(str(model), shared_weight)
    assert smelt("compile", model, "-o", artifact, "--quiet")[0] == 0
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 33, 70)).astype(np.float32)
    np.save(tmp_path / "a.npy", a)
    args = ["run", artifact, "-v", f"--input=@{tmp_path}/a.npy"]
    if w is None:
        w = rng.standard_normal((3, 70, 45)).astype(np.float32)
        np.save(tmp_path / "w.npy", w)
        args.append(f"--input=@{tmp_path}/w.npy")
    expected = np.matmul(a.astype(np.float64), w.astype(np.float64))

    have_onednn = library_found(smelt, "oneDNN")
    # A weight shared by the batch makes one GEMM of 3 * 33 rows.
    shape = "1x99x45x70" if shared_weight else "3x33x45x70"
    settings = [({}, "oneDNN" if have_onednn else None),
                ({"SMELT_ONEDNN_PATH": "off", "SMELT_OPENBLAS_PATH": "off"}, "generated")]
    for environment, chosen in settings:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        code, _, err = smelt(*args, f"--output=@{tmp_path}/y.npy")
        assert code == 0, err
        if chosen == "oneDNN":
            # oneDNN's matmul primitive, a constant B packed once.
            assert f"(gemm {shape}): oneDNN" in err and " matmul " in err, err
            if shared_weight:
                assert "(weights packed at load)" in err, err
        if chosen == "generated":
            assert f"(gemm {shape}): generated kernel (oneDNN: disabled by " \
                   "SMELT_ONEDNN_PATH=off; OpenBLAS: disabled by SMELT_OPENBLAS_PATH=off)" in err, err
        np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=RTOL, atol=ATOL)

    # The same choice through the API option (here the CLI's --library).
    monkeypatch.delenv("SMELT_ONEDNN_PATH")
    monkeypatch.delenv("SMELT_OPENBLAS_PATH")
    code, _, err = smelt(*args, "--library=oneDNN=off", "--library=OpenBLAS=off",
                         f"--output=@{tmp_path}/y.npy")
    assert code == 0, err
    assert "generated kernel (oneDNN: disabled by library_overrides (oneDNN=off)" in err, err
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=RTOL, atol=ATOL)


torch = pytest.importorskip("torch")


class ConvBlock(torch.nn.Module):
    """Convolutions with the epilogues the library call covers: bias + relu,
    strided, dilated and grouped, and a residual add."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.grouped = torch.nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4)
        self.pointwise = torch.nn.Conv2d(8, 8, 1, bias=False)

    def forward(self, x):
        y = torch.relu(self.stem(x))
        z = torch.relu(self.grouped(y))
        return torch.relu(self.pointwise(z) + y)


def runs_with_and_without_onednn(tmp_path, smelt, model, x, compile_flags=()):
    """Exports `model`, compiles it (with `compile_flags`), and runs it with
    oneDNN (where found) and without; yields (whether oneDNN may run, `smelt
    run -v`'s report) after checking each run against PyTorch (f32
    convolutions in different summation orders: PyTorch's, oneDNN's, ours)."""
    torch.onnx.export(model, x, str(tmp_path / "m.onnx"), opset_version=13)
    with torch.no_grad():
        expected = model(x).numpy()
    assert smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt", "--quiet",
                 *compile_flags)[0] == 0
    np.save(tmp_path / "x.npy", x.numpy())
    have_onednn = library_found(smelt, "oneDNN")
    for disable in ([], ["--library=oneDNN=off"]):
        code, _, err = smelt("run", tmp_path / "m.smelt", "-v", f"--input=@{tmp_path}/x.npy",
                             f"--output=@{tmp_path}/y.npy", *disable)
        assert code == 0, err
        np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-4, atol=1e-5)
        yield have_onednn and not disable, err


def test_convolutions_with_and_without_onednn(tmp_path, smelt):
    torch.manual_seed(9)
    for on_onednn, err in runs_with_and_without_onednn(tmp_path, smelt, ConvBlock().eval(),
                                                       torch.randn(2, 3, 17, 15)):
        assert ("): oneDNN" in err) == on_onednn, err
        assert err.count("(conv2d ") == 3, err  # every convolution was offered


class ResidualChain(torch.nn.Module):
    """Two residual blocks in a row, each block's input dying at its second
    convolution: the plan writes that convolution's output over the residual
    (in place), oneDNN's sum post-op accumulating there and, without oneDNN,
    the generated kernel reading each residual element before writing it."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 3, padding=1)
        self.blocks = torch.nn.ModuleList(
            torch.nn.ModuleList([torch.nn.Conv2d(16, 16, 3, padding=1),
                                 torch.nn.Conv2d(16, 16, 1)]) for _ in range(2))
        self.head = torch.nn.Conv2d(16, 4, 1)

    def forward(self, x):
        y = torch.relu(self.stem(x))
        for first, second in self.blocks:
            y = torch.relu(second(torch.relu(first(y))) + y)
        return self.head(y)


def test_residuals_in_place_with_and_without_onednn(tmp_path, smelt):
    torch.manual_seed(10)
    for on_onednn, err in runs_with_and_without_onednn(
            tmp_path, smelt, ResidualChain().eval(), torch.randn(2, 3, 13, 11),
            compile_flags=[f"--dump-dir={tmp_path}/dump"]):
        assert ("): oneDNN" in err) == on_onednn, err
    # Both residual convolutions wrote over their residual.
    plan = (tmp_path / "dump" / "12-plan-memory.mlir").read_text()
    assert plan.count("residual_in_place") == 2, plan
    offsets = {}
    for line in plan.splitlines():
        match = re.search(r"(%\w+) = plan.alloc \{offset = (\d+)", line)
        if match:
            offsets[match.group(1)] = match.group(2)
        if "residual_in_place" in line:
            operands = re.search(r'plan.call "conv2d"\(([^)]*)\)', line).group(1).split(", ")
            assert offsets[operands[-2]] == offsets[operands[-1]], line


class PoolBlock(torch.nn.Module):
    """A pooling between oneDNN convolutions (its input and output can stay in
    oneDNN's layout), then a residual block and a global average pool."""

    def __init__(self, pool):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 3, padding=1)
        self.pool = pool
        self.body = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.head = torch.nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        y = self.pool(torch.relu(self.stem(x)))
        return self.head(torch.relu(self.body(y) + y))


# (pooling, how many tensors at least stay in oneDNN's layout, whether
# oneDNN computes the pooling). PyTorch exports an average that counts
# padding as a Pad (a generated kernel) and an average over the padded input:
# that average would read and write NCHW, where the driver runs the generated
# kernel, and only the body's output stays in oneDNN's layout. With ceil_mode
# and no padding it exports an average of the input cells.
POOLS = [
    ("max 3x3 s2 p1", lambda: torch.nn.MaxPool2d(3, 2, 1), 3, True),
    ("max 3x3 s2 ceil", lambda: torch.nn.MaxPool2d(3, 2, ceil_mode=True), 3, True),
    ("max 2x2 dilated", lambda: torch.nn.MaxPool2d(2, 1, dilation=2), 3, True),
    ("avg 3x3 s1 p1 exclude pad", lambda: torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False),
     3, True),
    ("avg 3x3 s2 p1 include pad", lambda: torch.nn.AvgPool2d(3, 2, 1), 1, False),
    ("avg 2x2 s2 ceil", lambda: torch.nn.AvgPool2d(2, 2, ceil_mode=True), 3, True),
]


@pytest.mark.parametrize("name,pool,kept,pooled_by_onednn", POOLS, ids=[p[0] for p in POOLS])
def test_poolings_with_and_without_onednn(tmp_path, smelt, name, pool, kept, pooled_by_onednn):
    torch.manual_seed(11)
    for on_onednn, err in runs_with_and_without_onednn(tmp_path, smelt, PoolBlock(pool()).eval(),
                                                       torch.randn(2, 3, 17, 15)):
        pools = [line for line in err.splitlines() if "(pool2d " in line]
        assert len(pools) == 2, err  # the pooling and the global average pool
        pooling, head = pools
        assert ("): oneDNN" in head) == on_onednn, err
        assert ("): oneDNN" in pooling) == (on_onednn and pooled_by_onednn), err
        if on_onednn and not pooled_by_onednn:
            assert "would read and write NCHW here" in pooling, err
        if on_onednn:
            # The stem's output, the pooling's (it takes its input's layout)
            # and the body's.
            count = int(err.split(" tensor(s) between oneDNN ops")[0].split()[-1])
            assert count >= kept, err


def test_openmp_spin_is_shortened_unless_the_user_chose(smelt, monkeypatch):
    """Debian's oneDNN runs on GNU OpenMP; before loading it the runtime sets
    GOMP_SPINCOUNT=30000 (idle OpenMP threads would otherwise spin long and take the
    cores from the oneTBB workers of the next generated kernel), but only when
    the user set neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT."""
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    monkeypatch.delenv("SMELT_ONEDNN_PATH", raising=False)
    if not library_found(smelt, "oneDNN"):
        pytest.skip("oneDNN is not installed")
    note = "GOMP_SPINCOUNT=30000"

    def onednn_line():
        code, out, _ = smelt("devices", "-v")
        assert code == 0
        return next(l for l in out.splitlines() if l.strip().startswith("oneDNN "))

    assert note in onednn_line()
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    assert note not in onednn_line()
    monkeypatch.delenv("OMP_WAIT_POLICY")
    monkeypatch.setenv("GOMP_SPINCOUNT", "5000")
    assert note not in onednn_line()


@pytest.mark.parametrize("threads", [1, 2])
def test_onednn_uses_the_instance_threads(tmp_path, smelt, monkeypatch, threads):
    """oneDNN's OpenMP team follows the instance's thread count (--threads),
    not the machine's core count (oneDNN's verbose mode reports it)."""
    monkeypatch.delenv("SMELT_ONEDNN_PATH", raising=False)
    if not library_found(smelt, "oneDNN"):
        pytest.skip("oneDNN is not installed")
    matmul_model(str(tmp_path / "mm.onnx"), shared_weight=True)
    assert smelt("compile", tmp_path / "mm.onnx", "-o", tmp_path / "mm.smelt", "--quiet")[0] == 0
    monkeypatch.setenv("ONEDNN_VERBOSE", "1")
    code, out, err = smelt("run", tmp_path / "mm.smelt", f"--threads={threads}")
    assert code == 0, err
    assert f"runtime:OpenMP,nthr:{threads}" in out, out
