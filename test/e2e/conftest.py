"""Shared fixtures of the end-to-end tests: where the smelt binary is, a
helper that runs it and returns (exit code, stdout, stderr), and whether this
host has AVX-512."""
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
