"""fastmlp._views: as_matrix and as_vector are numpy's reshape and ravel views of a
C-contiguous array (same memory, shape and strides, written through), and refuse
arrays of any other layout at compile time."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from fastmlp._views import as_matrix, as_vector


@njit
def flat_view(x):
    v = as_vector(x)
    v[v.size - 1] = -7.0  # written through to x
    return v


@njit
def matrix_view(x, rows, cols):
    return as_matrix(x, rows, cols)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(6,), (4, 6), (2, 3, 4), (0, 5)])
def test_as_vector_is_ravel(dtype, shape):
    x = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
    expected = x.ravel().copy()
    if x.size:
        expected[-1] = -7.0
        v = flat_view(x)
        assert x.flat[-1] == -7.0
    else:
        v = njit(lambda a: as_vector(a))(x)
    assert v.ctypes.data == x.ctypes.data and v.dtype == x.dtype
    assert v.shape == (x.size,) and v.strides == (x.itemsize,)
    np.testing.assert_array_equal(v, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_as_matrix_is_reshape(dtype):
    vec = np.arange(24, dtype=dtype)
    for rows, cols in [(4, 6), (6, 4), (1, 24), (24, 1)]:
        m = matrix_view(vec, rows, cols)
        assert m.ctypes.data == vec.ctypes.data
        assert m.shape == (rows, cols) and m.strides == vec.reshape(rows, cols).strides
        np.testing.assert_array_equal(m, vec.reshape(rows, cols))
    with pytest.raises(ValueError, match="size mismatch"):
        matrix_view(vec, 5, 5)


def test_views_refuse_arrays_that_are_not_c_contiguous():
    x = np.arange(24.0).reshape(4, 6)
    with pytest.raises(TypingError):
        flat_view(x[:, ::2])
    with pytest.raises(TypingError):
        flat_view(np.asfortranarray(x))
    with pytest.raises(TypingError):
        matrix_view(np.arange(24.0)[::2], 3, 4)
