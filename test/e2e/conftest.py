"""Shared fixtures of the end-to-end tests: where the smelt binary is, and a
helper that runs it and returns (exit code, stdout, stderr)."""
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
