"""Deep snapshots of an estimator's state, compared by value (test helper)."""

import copy

import numpy as np


def snapshot(estimator):
    """A deep copy of every attribute of ``estimator``."""
    return copy.deepcopy(estimator.__dict__)


def assert_same(a, b, path="state"):
    """Assert two snapshots are equal by value (arrays: dtype, shape and bits)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), path
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), path
    elif isinstance(a, np.random.RandomState):
        sa, sb = a.get_state(), b.get_state()
        for i, (x, y) in enumerate(zip(sa, sb)):
            assert_same(np.asarray(x), np.asarray(y), f"{path}.get_state()[{i}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys {a.keys()} != {b.keys()}"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert isinstance(b, float) and (a == b or (a != a and b != b)), path
    elif hasattr(a, "__dict__") and not isinstance(a, type):
        assert type(a) is type(b), path
        assert_same(vars(a), vars(b), f"{path}.<{type(a).__name__}>")
    else:
        assert type(a) is type(b) and a == b, f"{path}: {a!r} != {b!r}"
