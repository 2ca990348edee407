"""Every ONNX node test of the Foundation ops that compiles for the CPU also
compiles for CUDA (sm_80) and ROCm (gfx942): the GPU lowering, the NVVM and
ROCDL conversions, ptxas where the CUDA toolkit is installed, and the AMDGPU
back end, MC, ld.lld and the code object's check against the plan accept each
model. Offline: nothing runs on a GPU here."""
import os
import subprocess

import pytest

import node_tests

TESTS = node_tests.discover()


def compile_for(binary, model, target, output):
    result = subprocess.run([binary, "compile", model, f"--target={target}", "-o", output,
                             "--quiet"], capture_output=True, text=True, timeout=300)
    return result.returncode, result.stderr


@pytest.mark.parametrize("name", TESTS)
@pytest.mark.parametrize("target", ["cuda:sm_80", "rocm:gfx942"])
def test_compiles_for_gpu(name, target, tmp_path):
    binary = os.path.join(os.environ["SMELT_BUILD_DIR"], "bin", "smelt")
    model = os.path.join(node_tests.DATA, name, "model.onnx")
    code, err = compile_for(binary, model, target, tmp_path / "gpu.smelt")
    if code == 0:
        return
    cpu_code, cpu_err = compile_for(binary, model, "cpu", tmp_path / "cpu.smelt")
    if cpu_code != 0:
        pytest.skip(f"does not compile for the CPU either: {cpu_err.strip()[:200]}")
    pytest.fail(f"compiles for the CPU but not for {target}:\n{err}")
