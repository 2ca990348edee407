"""The GPU drivers declare the vendor entry points they call and resolve
them by name at load time (nothing of CUDA or ROCm is linked). Where a
vendor library is installed, every name a driver resolves must be in it, or
that library would silently go unused: checked here against the libraries
the runtime finds (`smelt devices -v`) and the HIP/HSA runtimes. Libraries
that are not installed are skipped (Debian 12 has HIP and HSA 5.2; CUDA's
libraries come with a CUDA toolkit)."""
import ctypes
import os
import re

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")

# (library as `smelt devices -v` names it, or a soname; driver source; the
# prefix of the names that library holds)
CASES = [
    ("cuBLAS", "backends/cuda/runtime/CudaDriver.cpp", "cublas"),
    ("cuBLASLt", "backends/cuda/runtime/CublasLt.cpp", "cublasLt"),
    ("cuDNN", "backends/cuda/runtime/Cudnn.cpp", "cudnn"),
    ("NCCL", "backends/gpu/runtime/Nccl.cpp", "nccl"),
    ("RCCL", "backends/gpu/runtime/Nccl.cpp", "nccl"),
    ("rocBLAS", "backends/rocm/runtime/HipDriver.cpp", "rocblas_"),
    ("MIOpen", "backends/rocm/runtime/Miopen.cpp", "miopen"),
    ("libamdhip64.so.7|libamdhip64.so.6|libamdhip64.so.5", "backends/rocm/runtime/HipApi.cpp",
     "hip"),
    ("libhsa-runtime64.so.1", "backends/rocm/runtime/HipApi.cpp", "hsa_"),
    ("libcuda.so.1", "backends/cuda/runtime/CudaApi.cpp", "cu"),
]


def resolved_names(source, prefix):
    text = open(os.path.join(ROOT, source)).read()
    names = set(re.findall(r'resolve\([^,()]+, "(\w+)"\)', text))
    return sorted(n for n in names if n.startswith(prefix))


def found_libraries(smelt):
    code, out, err = smelt("devices", "-v")
    assert code == 0, err
    found = {}
    for line in out.splitlines():
        match = re.match(r"^\s+(\S+)\s+.*\bfound\b.* at (\S+);", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


@pytest.mark.parametrize("library,source,prefix", CASES, ids=[c[0].split("|")[0] for c in CASES])
def test_every_resolved_name_is_in_the_library(smelt, library, source, prefix):
    names = resolved_names(source, prefix)
    assert names, f"no '{prefix}' names resolved in {source}"
    handle = None
    if "." in library:
        for soname in library.split("|"):
            try:
                handle = ctypes.CDLL(soname)
                break
            except OSError:
                continue
    elif library in found_libraries(smelt):
        handle = ctypes.CDLL(found_libraries(smelt)[library])
    if handle is None:
        pytest.skip(f"{library} is not installed here")
    missing = [name for name in names if not hasattr(handle, name)]
    assert not missing, f"{library} lacks {missing}"
