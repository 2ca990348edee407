"""ONNX backend node tests of the Foundation ops: every test whose model uses only
those ops must pass, except the ones listed in expected_failures.txt with a
reason (a listed test that starts passing fails too, so the list stays true)."""
import os

import pytest

import node_tests
from node_tests import onnx_runner

HERE = os.path.dirname(os.path.abspath(__file__))


def expected_failures():
    reasons = {}
    with open(os.path.join(HERE, "expected_failures.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, reason = line.split(":", 1)
                reasons[name.strip()] = reason.strip()
    return reasons


EXPECTED_FAILURES = expected_failures()


@pytest.mark.parametrize("name", node_tests.discover())
def test_node(name, tmp_path):
    status, detail = node_tests.run_test(onnx_runner.smelt_binary(), name, str(tmp_path))
    if name in EXPECTED_FAILURES:
        assert status != "pass", f"{name} passes now: remove it from expected_failures.txt"
        pytest.xfail(EXPECTED_FAILURES[name])
    assert status == "pass", f"{status}: {detail}"


@pytest.mark.parametrize("name", node_tests.discover())
@pytest.mark.parametrize("gpu", ["cuda", "rocm"])
def test_node_through_the_gpu_lowering(name, gpu, tmp_path, monkeypatch):
    """The same tests with the kernels scheduled for a GPU (sm_90, gfx942) and
    lowered by the GPU lowering (backends/gpu) with one-thread blocks, then run
    on the CPU (SMELT_GPU_LOWERING_ON_CPU=cuda or rocm): the lowering's
    indexing, vector paths, reduction combiners and group buffers against
    ONNX's expected outputs, without a GPU. (The split between a block's
    threads is not exercised.)"""
    monkeypatch.setenv("SMELT_GPU_LOWERING_ON_CPU", gpu)
    status, detail = node_tests.run_test(onnx_runner.smelt_binary(), name, str(tmp_path))
    if name in EXPECTED_FAILURES:
        assert status != "pass", f"{name} passes now: remove it from expected_failures.txt"
        pytest.xfail(EXPECTED_FAILURES[name])
    assert status == "pass", f"{status}: {detail}"
