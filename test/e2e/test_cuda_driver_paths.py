"""The CUDA driver plugin's decisions on a machine without a GPU, through test
doubles of libcuda, cuBLAS and cuDNN that run nothing (test/unit/cuda/fake/):
which code it loads (the cubin, or the PTX when the driver refuses the cubin),
which vendor library it binds and why not (cuBLAS making no handle, cuDNN
refusing a convolution: the generated kernel runs instead), the driver's CUDA
version in the load description, the profile leaving the cold first run out,
and a clean release. The doubles compute nothing, so no output is looked at:
results on a GPU are benchmarks/gpu's and test_cuda.py's GPU tests'."""
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper



def have_ptxas():
    # As the compiler looks for it: $CUDA_HOME, /usr/local/cuda, PATH.
    home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    return os.path.exists(os.path.join(home, "bin", "ptxas")) or shutil.which("ptxas")


def doubles():
    directory = os.path.abspath(os.path.join(os.environ["SMELT_BUILD_DIR"], "lib", "test-doubles"))
    paths = {name: os.path.join(directory, f"libfake_{name}.so") for name in ("cuda", "cublas",
                                                                          "cudnn")}
    missing = [p for p in paths.values() if not os.path.exists(p)]
    if missing:
        pytest.fail(f"{missing} not built")
    return paths


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """A plain GEMM (offered to cuBLAS) and a 3x3 convolution (offered to
    cuDNN), compiled for sm_90."""
    tmp = tmp_path_factory.mktemp("cuda-paths")
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("MatMul", ["a", "w"], ["y"]),
             helper.make_node("Conv", ["x", "k"], ["z"], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [16, 64]),
                     helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(rng.standard_normal((64, 32)).astype(np.float32), "w"),
                     numpy_helper.from_array(rng.standard_normal((8, 4, 3, 3)).astype(np.float32),
                                             "k")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              str(tmp / "m.onnx"))
    binary = os.path.join(os.environ["SMELT_BUILD_DIR"], "bin", "smelt")
    result = subprocess.run([binary, "compile", str(tmp / "m.onnx"), "--target=cuda:sm_90",
                             "-o", str(tmp / "m.smelt"), "--quiet"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    return str(tmp / "m.smelt")


def smelt_with_doubles(*args, env=()):
    paths = doubles()
    binary = os.path.join(os.environ["SMELT_BUILD_DIR"], "bin", "smelt")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_")}
    environment.pop("SMELT_PROFILE", None)
    environment.update({"SMELT_LIBCUDA_PATH": paths["cuda"], **dict(env)})
    libraries = [f"--library=cuBLAS={paths['cublas']}", f"--library=cuDNN={paths['cudnn']}"]
    command = [binary, *args, *(libraries if args[0] == "run" else [])]
    return subprocess.run(command, capture_output=True, text=True, env=environment,
                          timeout=300)


def test_devices_lists_the_double(artifact):
    result = smelt_with_doubles("devices", "-v")
    assert result.returncode == 0, result.stderr
    assert "Fake GPU (test double)" in result.stdout, result.stdout
    assert "sm_90" in result.stdout, result.stdout


def test_binds_cublas_and_falls_back_from_a_refusing_cudnn(artifact):
    result = smelt_with_doubles("run", artifact, "--device=cuda:0", "-v")
    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert "driver for CUDA 12.8" in log, log
    assert "gemm: 1 of 1 through cuBLAS" in log, log
    assert "generated kernel" in log and "CUDNN_STATUS_NOT_SUPPORTED" in log, log


def test_a_cublas_without_handles_leaves_gemms_to_generated_kernels(artifact):
    result = smelt_with_doubles("run", artifact, "--device=cuda:0", "-v",
                                env={"FAKE_CUBLAS_NO_HANDLE": "1"})
    assert result.returncode == 0, result.stderr
    assert "gemm: 0 of 1 as generated kernels" in result.stderr, result.stderr
    assert "cublasCreate failed with status 1" in result.stderr, result.stderr


def test_a_refused_cubin_falls_back_to_the_ptx(artifact):
    if not have_ptxas():
        pytest.skip("no ptxas here: the artifact holds PTX only")
    result = smelt_with_doubles("run", artifact, "--device=cuda:0", "-v",
                                env={"FAKE_CUDA_CUBIN_REFUSED": "1"})
    assert result.returncode == 0, result.stderr
    assert "cubin refused" in result.stderr, result.stderr
    assert "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" in result.stderr, result.stderr
    assert "PTX JIT-compiled" in result.stderr, result.stderr


def test_the_profile_leaves_the_first_run_out(artifact):
    result = smelt_with_doubles("run", artifact, "--device=cuda:0", "--repeat=4",
                                env={"SMELT_PROFILE": "1"})
    assert result.returncode == 0, result.stderr
    assert "3 run(s) after the first (cold: left out)" in result.stderr, result.stderr
