"""The vector width per kernel: the schedule search costs each candidate on
the target's widest vectors and on half of them (the rows' tails decide),
records the choice in the kernel's strategy (`vector_bytes`), and the CPU
backend has LLVM use no wider registers for that kernel's arithmetic.
`--vector-width` fixes the width of every kernel. The cases check the
recorded width, the registers of the arithmetic in the generated assembly,
and the values against NumPy in float64 (rtol 1e-5, atol 1e-5: f32 row sums
of up to 768 terms).

Moves are left out of the register check: LLVM lowers the zero-fill of a
stack buffer (a memset) with the widest stores the CPU has whatever the
function's preferred width, which costs nothing in lane utilisation."""
import glob
import os
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import host_has_avx512

RTOL, ATOL = 1e-5, 1e-5
EPS = 1e-5


def reference(x, gamma, beta):
    a = x.astype(np.float64)
    mean = a.mean(-1, keepdims=True)
    var = ((a - mean) ** 2).mean(-1, keepdims=True)
    y = (a - mean) / np.sqrt(var + EPS) * gamma + beta
    e = np.exp(y - y.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def build(tmp_path, rows, h):
    """LayerNorm then Softmax over rows of h."""
    rng = np.random.default_rng(h)
    gamma = rng.uniform(0.5, 1.5, h).astype(np.float32)
    beta = rng.standard_normal(h).astype(np.float32)
    nodes = [helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["n"], axis=-1,
                              epsilon=EPS),
             helper.make_node("Softmax", ["n"], ["y"], axis=-1)]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, h])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, h])],
        initializer=[numpy_helper.from_array(gamma, "gamma"),
                     numpy_helper.from_array(beta, "beta")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              str(tmp_path / "m.onnx"))
    return rng.standard_normal((rows, h)).astype(np.float32), gamma, beta


def compile_and_run(smelt, tmp_path, x, options):
    dump = tmp_path / "dump"
    code, _, err = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt",
                         f"--dump-dir={dump}", *options)
    assert code == 0, err
    phases = sorted(glob.glob(str(dump / "*.mlir")))
    widths = set(re.findall(r"vector_bytes = (\d+)", open(phases[-1]).read()))
    assembly = open(dump / "kernels.s").read()
    np.save(tmp_path / "x.npy", x)
    code, _, err = smelt("run", tmp_path / "m.smelt", f"--input=@{tmp_path}/x.npy",
                         f"--output=@{tmp_path}/y.npy")
    assert code == 0, err
    return {int(w) for w in widths}, arithmetic(assembly), np.load(tmp_path / "y.npy")


def arithmetic(assembly):
    """The instructions of the assembly other than moves and zeroing idioms."""
    lines = []
    for line in assembly.splitlines():
        fields = line.replace(",", " ").split()
        if not fields or fields[0].startswith((".", "#")) or fields[0].endswith(":"):
            continue
        mnemonic = fields[0]
        if mnemonic.startswith(("vmov", "mov")):
            continue
        if mnemonic in ("vxorps", "vpxor", "vpxord", "vxorpd") and len(set(fields[1:])) == 1:
            continue
        lines.append(line)
    return "\n".join(lines)


# (options, rows, h, expected width in bytes, registers that must not appear)
CASES = [
    # AVX2: rows of 12 are three 4-lane vectors, but one 8-lane vector and
    # four scalar steps; rows of 768 are whole 8-lane vectors.
    (["--target=cpu:x86-64-v3"], 64, 12, 16, ("%ymm", "%zmm")),
    (["--target=cpu:x86-64-v3"], 64, 768, 32, ("%zmm",)),
    # Fixed widths, on any host.
    (["--target=cpu:x86-64-v3", "--vector-width=4"], 64, 768, 16, ("%ymm", "%zmm")),
    (["--vector-width=8"], 64, 197, 32, ("%zmm",)),
]


@pytest.mark.parametrize("options,rows,h,width,absent", CASES,
                         ids=[f"{'+'.join(c[0])}-h{c[2]}" for c in CASES])
def test_width_is_chosen_and_honoured(smelt, tmp_path, options, rows, h, width, absent):
    x, gamma, beta = build(tmp_path, rows, h)
    widths, assembly, y = compile_and_run(smelt, tmp_path, x, options)
    assert widths == {width}
    widest = {16: "%xmm", 32: "%ymm", 64: "%zmm"}[width]
    assert widest in assembly, f"no {widest} arithmetic in a kernel of {width}-byte vectors"
    for register in absent:
        assert register not in assembly, f"{register} in a kernel limited to {width}-byte vectors"
    np.testing.assert_allclose(y, reference(x, gamma, beta), rtol=RTOL, atol=ATOL)


@pytest.mark.skipif(not host_has_avx512(), reason="the host has no AVX-512")
def test_avx512_host_uses_512_bit_vectors(smelt, tmp_path):
    x, gamma, beta = build(tmp_path, 64, 768)
    widths, assembly, y = compile_and_run(smelt, tmp_path, x, [])
    assert widths == {64}
    assert "%zmm" in assembly
    np.testing.assert_allclose(y, reference(x, gamma, beta), rtol=RTOL, atol=ATOL)
