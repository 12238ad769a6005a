"""fit converts X at most once (and not at all if it is already C-contiguous float)."""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from fastmlp import MLPClassifier


def _peak_extra(X, y):
    est = MLPClassifier(hidden_layer_sizes=(2,), max_iter=1, batch_size=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X[:60], y[:60])  # compile and import outside the measurement
        tracemalloc.start()
        est.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("make", [
    lambda X: np.asfortranarray(X),
    lambda X: X.astype(np.int64),
    lambda X: np.asfortranarray(X.astype(np.int64)),
    lambda X: X[:, ::2],
])
def test_at_most_one_converted_copy(make):
    rng = np.random.RandomState(0)
    X = make(rng.normal(size=(20000, 64)) * 3)
    y = rng.randint(0, 2, 20000)
    size = 20000 * X.shape[1] * 8
    assert _peak_extra(X, y) < 1.5 * size


def test_no_copy_for_c_contiguous_float64():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20000, 64)), rng.randint(0, 2, 20000)
    assert _peak_extra(X, y) < 0.5 * X.nbytes
