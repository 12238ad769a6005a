"""fastmlp._borrowed.borrowed: the same arrays (data, shape, strides), writable through,
inside tuples and named tuples too; the epoch kernel trains on them exactly as on owned arrays."""

import numpy as np
import pytest
from numba import njit

from fastmlp._borrowed import borrowed
from fastmlp._network import Network
from fastmlp._sparse import CSR


@njit
def describe(x):
    b = borrowed(x)
    b[1, 2] = -7.0  # written through to x
    return b.ctypes.data, b.shape, b.strides, b[0, 0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_borrowed_array_is_the_same_array(dtype):
    x = np.arange(24, dtype=dtype).reshape(4, 6)
    for view in (x, x[1:, ::2], x.T):
        data, shape, strides, first = describe(view)
        assert data == view.ctypes.data
        assert shape == view.shape and strides == view.strides
        assert first == view[0, 0]
        assert view[1, 2] == -7.0


@njit
def borrowed_fields(net, csr, pair):
    b, c, p = borrowed(net), borrowed(csr), borrowed(pair)
    b.sizes[0] = 99
    return b.sizes.ctypes.data, b.hidden, b.loss, c.indptr.ctypes.data, c.shape, p[0].ctypes.data, p[1]


def test_tuples_are_rebuilt_from_borrowed_fields():
    net = Network(np.array([3, 4, 2]), 1, 2, 3)
    csr = CSR(np.ones(3), np.array([0, 1, 2], dtype=np.int32), np.array([0, 2, 3], dtype=np.int32),
              (np.int64(2), np.int64(3)))
    pair = (np.zeros(2), 5)
    sizes_at, hidden, loss, indptr_at, shape, first_at, second = borrowed_fields(net, csr, pair)
    assert sizes_at == net.sizes.ctypes.data and net.sizes[0] == 99
    assert (hidden, loss) == (1, 3)
    assert indptr_at == csr.indptr.ctypes.data and shape == (2, 3)
    assert first_at == pair[0].ctypes.data and second == 5
