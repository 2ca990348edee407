#!/usr/bin/python3
"""Regenerates the .npy fixtures of TensorIOTest with NumPy (run it here).

They are committed so that the C++ reader is checked against files NumPy itself
wrote, without needing NumPy at test time.
"""
import io

import numpy as np

np.save("f32_2x3.npy", (np.arange(6, dtype="<f4") * 0.5 - 1).reshape(2, 3))
np.save("i64_scalar.npy", np.int64(-7))
np.save("bool_5.npy", np.array([True, False, True, True, False]))
np.save("f16_2x2.npy", np.array([[0.5, -2.0], [65504.0, 1e-7]], dtype="<f2"))
np.save("u16_3.npy", np.array([0, 1, 65535], dtype="<u2"))
np.save("fortran_2x3.npy", np.asfortranarray(np.ones((2, 3), dtype="<f4")))
np.save("big_endian_f4.npy", np.array([1.0, 2.0], dtype=">f4"))
with open("i32_2x2_v2.npy", "wb") as file:
    np.lib.format.write_array(file, np.array([[1, -2], [3, -4]], dtype="<i4"),
                              version=(2, 0))
