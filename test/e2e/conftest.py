"""Shared fixtures of the end-to-end tests: where the smelt binary is, a
helper that runs it and returns (exit code, stdout, stderr), one that compiles
and runs an ONNX model on NumPy inputs, and whether this host has AVX-512."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def smelt_binary():
    build = os.environ.get("SMELT_BUILD_DIR")
    if not build:
        raise RuntimeError("set SMELT_BUILD_DIR to the build directory (ctest does)")
    return os.path.join(build, "bin", "smelt")


def host_has_avx512():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return " avx512f" in cpuinfo.read()
    except OSError:
        return False


@pytest.fixture(scope="session")
def smelt():
    binary = smelt_binary()
    if not os.path.exists(binary):
        pytest.fail(f"{binary} does not exist; build first")

    def run(*args, timeout=600):
        result = subprocess.run([binary, *map(str, args)], capture_output=True, text=True,
                                timeout=timeout)
        return result.returncode, result.stdout, result.stderr

    return run


def compile_and_run_onnx(smelt, tmp_path, model, inputs, outputs, options=()):
    """Saves `model` (an onnx.ModelProto), compiles it for the CPU with
    `options`, runs it on `inputs` ({name: array}) and returns smelt
    compile's stderr and the outputs named in `outputs`, in order."""
    import numpy as np
    import onnx
    onnx.save(model, str(tmp_path / "m.onnx"))
    code, _, compile_log = smelt("compile", tmp_path / "m.onnx", "-o", tmp_path / "m.smelt",
                                 *options)
    assert code == 0, compile_log
    feeds = []
    for name, value in inputs.items():
        np.save(tmp_path / f"in_{name}.npy", value)
        feeds.append(f"--input=@{tmp_path}/in_{name}.npy")
    code, _, err = smelt("run", tmp_path / "m.smelt", *feeds,
                         *[f"--output=@{tmp_path}/out_{name}.npy" for name in outputs])
    assert code == 0, err
    return compile_log, [np.load(tmp_path / f"out_{name}.npy") for name in outputs]
