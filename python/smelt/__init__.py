"""Smelt: compile ONNX models to fused kernels and run them.

    import numpy as np, smelt
    artifact = smelt.compile("model.onnx")               # or the model's bytes
    session = smelt.Session(artifact, device="cpu")
    outputs = session.run({"x": np.ones((1, 3), np.float32)})

Inputs may be NumPy arrays or DLPack tensors (PyTorch's, read in place on the
CPU); outputs are NumPy arrays (which export __dlpack__). Failures raise
smelt.Error with the runtime's status code.
"""
import os as _os

from . import _smelt
from ._smelt import Artifact, Error, Session, TensorInfo, devices, from_dlpack

__version__ = "0.1.0"
__all__ = ["Artifact", "Error", "Session", "TensorInfo", "compile", "devices", "from_dlpack"]

_COMPILE_OPTIONS = {
    "input_shapes": {},      # {input name: shape} for inputs with symbolic dims
    "dims": {},              # {symbolic dim: sizes}: one plan per combination
    "constant_inputs": {},   # {input name: array} frozen at compile time
    "fuse": True,            # fusion groups (False: one kernel per operator)
    "vector_width": -1,      # f32 lanes for register tiling (0: off, -1: the target's)
    "library_calls": True,   # vendor GEMM candidates for plain f32 matmuls
    "groups": 0,             # processors each kernel's grid keeps busy (0: this host's)
    "memory_levels": "",     # the hierarchy the schedule is costed with ("": the target's)
}


def _error(code_name, message):
    codes = {"INVALID_ARGUMENT": 1, "NOT_FOUND": 2, "UNSUPPORTED": 4}
    error = Error(message)
    error.code, error.code_name, error.message = codes[code_name], code_name, message
    return error


def compile(model, targets=("cpu",), input_type="auto", **options):
    """Compiles an ONNX model or a StableHLO program (a path or the bytes) to an Artifact.

    targets: "cpu" or "cpu:<arch>" (x86-64-v2, skylake-avx512, ...); several
    give a fat artifact whose first runnable plan is loaded. input_type:
    "auto" (StableHLO for .mlir files and MLIR text, else ONNX), "onnx" or
    "stablehlo". Options (input_shapes, dims and constant_inputs are for ONNX): input_shapes,
    dims ({"batch": [1, 4, 8]}: compile once for several sizes, chosen at run
    time by the inputs' shapes), constant_inputs, fuse, vector_width,
    library_calls, groups, memory_levels (see `smelt compile --help`). Diagnostics are in the raised smelt.Error.
    """
    unknown = sorted(set(options) - set(_COMPILE_OPTIONS))
    if unknown:
        raise _error("INVALID_ARGUMENT", f"unknown compile option(s) {', '.join(unknown)}; "
                     f"known: {', '.join(sorted(_COMPILE_OPTIONS))}")
    if isinstance(targets, str):
        targets = [targets]
    merged = dict(_COMPILE_OPTIONS, **options)
    if not isinstance(model, (bytes, bytearray)) and not _os.path.exists(_os.fspath(model)):
        raise _error("NOT_FOUND", f"no model file '{_os.fspath(model)}'")
    return _smelt._compile(bytes(model) if isinstance(model, bytearray) else model,
                           list(targets), input_type, dict(merged["input_shapes"]),
                           dict(merged["dims"]), dict(merged["constant_inputs"]), bool(merged["fuse"]),
                           int(merged["vector_width"]), bool(merged["library_calls"]),
                           int(merged["groups"]), str(merged["memory_levels"]))
