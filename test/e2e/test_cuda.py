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
import shutil
import subprocess

import pytest

from gpu_checks import (MODEL_IDS, MODELS, check_fat_artifact_runs_on_cpu,
                        check_gpu_only_artifact_is_refused_on_cpu, check_plans_offer,
                        check_runs_on_gpu, export, refusal)

CUDA_HOME = os.environ.get("CUDA_HOME", "/usr/local/cuda")


def ptxas():
    found = os.path.join(CUDA_HOME, "bin", "ptxas")
    return found if os.path.exists(found) else shutil.which("ptxas")


@pytest.mark.parametrize("name,model,example,rtol", MODELS, ids=MODEL_IDS)
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
    check_plans_offer(smelt, "cuda", "cuDNN", "cuBLAS")


def test_fat_artifact_runs_on_cpu_without_gpu(smelt, tmp_path):
    check_fat_artifact_runs_on_cpu(smelt, tmp_path, ["cuda:sm_90", "cpu"], cpu_plan=1)


def test_cuda_only_artifact_on_cpu_is_a_clear_error(smelt, tmp_path):
    check_gpu_only_artifact_is_refused_on_cpu(smelt, tmp_path, "cuda:sm_90", "cuda")


def test_driver_reports_why_it_did_not_start(smelt):
    # Refused with the reason: no libcuda.so.1, or cuInit failing.
    line, _ = refusal(smelt, "cuda")
    assert "libcuda.so.1" in line or "cuInit" in line, line


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


@pytest.mark.parametrize("name,model,example,rtol", MODELS, ids=MODEL_IDS)
def test_runs_on_gpu(smelt, tmp_path, name, model, example, rtol):
    check_runs_on_gpu(smelt, tmp_path, "cuda", ["cuda:sm_90", "cuda:sm_80"], model, example, rtol)
