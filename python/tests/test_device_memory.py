"""Tensors in device memory (SMELT_MEMORY_DEVICE) through the Python package:
CUDA DLPack tensors as inputs and as outputs= of a session on cuda:0, used in
place. Without a GPU this runs against the test double of libcuda
(test/unit/cuda/fake/), whose device memory is host memory and whose copies
are real, on a plan that only copies (a Reshape), so the values that come
back are real; its trace shows that no copy went through the host. On the
CPU, a CUDA tensor is refused with the reason."""
import ctypes
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import smelt

# The build directory: the package lives in <build>/python/smelt.
BUILD = os.environ.get("SMELT_BUILD_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(smelt.__file__))))
FAKE_CUDA = os.path.join(BUILD, "lib", "test-doubles", "libfake_cuda.so")

# DLPack's structures (dlpack.h, version 0.x ABI) for a capsule that claims to
# be a CUDA tensor.
class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p),
                ("deleter", ctypes.CFUNCTYPE(None, ctypes.c_void_p))]


class CudaTensorOver:
    """A float32 array presented through DLPack as living on cuda:`device`
    (for the test double, whose device memory is host memory)."""

    def __init__(self, array, device=0):
        self.array = array
        self.shape = (ctypes.c_int64 * array.ndim)(*array.shape)
        self.managed = DLManagedTensor()
        tensor = self.managed.dl_tensor
        tensor.data = array.ctypes.data
        tensor.device = DLDevice(2, device)  # kDLCUDA
        tensor.ndim = array.ndim
        tensor.dtype = DLDataType(2, 32, 1)  # kDLFloat, 32 bits
        tensor.shape = self.shape
        self.managed.deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(0)

    def __dlpack__(self, stream=None):
        new = ctypes.pythonapi.PyCapsule_New
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        return new(ctypes.addressof(self.managed), b"dltensor", None)


def aligned(values):
    """A copy of `values` at a 256-byte boundary, as device allocations are."""
    raw = np.zeros(values.size + 64, np.float32)
    start = (-raw.ctypes.data % 256) // 4
    out = raw[start:start + values.size].reshape(values.shape)
    out[...] = values
    return out


def test_a_cuda_tensor_is_refused_on_the_cpu():
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = smelt.Session(smelt.compile(model.SerializeToString()), device="cpu")
    with pytest.raises(smelt.Error, match=r"lives on cuda:0, but the session runs on cpu"):
        session.run({"x": CudaTensorOver(aligned(np.ones(4, np.float32)))})


SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import smelt
    sys.path.insert(0, {here!r})
    from test_device_memory import CudaTensorOver, aligned

    graph = helper.make_graph(
        [helper.make_node("Reshape", ["a", "s"], ["z"])], "g",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [64, 64])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(np.array([4096], np.int64), "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = smelt.Session(smelt.compile(model.SerializeToString(), targets=["cuda:sm_90"]),
                            device="cuda:0")
    x = aligned(np.arange(4096, dtype=np.float32).reshape(64, 64))
    mode = sys.argv[1]
    if mode == "host":
        z = session.run({{"a": x}})["z"]
    elif mode == "input":
        z = session.run({{"a": CudaTensorOver(x)}})["z"]
    else:
        z = aligned(np.zeros(4096, np.float32))
        session.run({{"a": CudaTensorOver(x)}}, outputs={{"z": CudaTensorOver(z)}})
    assert np.array_equal(z, x.ravel()), z[:8]
    print("values ok")
""")


@pytest.mark.parametrize("mode, copies", [
    ("host", ["host to device 16384", "device to host 16384"]),
    ("input", ["device to host 16384"]),
    ("both", []),
])
def test_device_memory_is_used_in_place(tmp_path, mode, copies):
    if not os.path.exists(FAKE_CUDA):
        pytest.fail(f"{FAKE_CUDA} not built")
    script = tmp_path / "run.py"
    script.write_text(SCRIPT.format(here=os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "SMELT_LIBCUDA_PATH": FAKE_CUDA, "FAKE_CUDA_TRACE": "1"}
    result = subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "values ok" in result.stdout
    traced = [line.removeprefix("[fake-cuda] ").removesuffix(" bytes")
              for line in result.stderr.splitlines() if line.startswith("[fake-cuda]")]
    assert traced == copies, result.stderr
