"""Training kernels run with subnormal numbers flushed to zero (fastmlp._fpu), on the
calling thread and on MKL's threads that share the update, and leave the thread's
floating-point mode as they found it."""

import numpy as np
import pytest

from fastmlp import MLPClassifier, MLPRegressor, _fpu
from fastmlp._fpu import (
    FLUSH_SUBNORMALS,
    HAS_MXCSR,
    flushes_subnormals,
    subnormals_flushed,
)

pytestmark = pytest.mark.skipif(not HAS_MXCSR, reason="flushing subnormals is implemented for x86-64 only")
TINY = np.finfo(np.float64).tiny


def mode():
    """The control bits of this thread's MXCSR (without the sticky exception flags,
    which NumPy reads and clears around its operations)."""
    return _fpu._mode() & ~0x3F


def test_the_context_flushes_and_restores_the_mode():
    if flushes_subnormals():
        pytest.skip("this process flushes subnormals already (a library built with -ffast-math?)")
    before = mode()
    x = np.array([TINY])
    with subnormals_flushed():
        assert flushes_subnormals()
        assert (x / 8)[0] == 0.0  # a subnormal result is flushed
        assert (np.array([TINY / 8]) * 2**60)[0] == 0.0  # so is a subnormal operand
    assert mode() == before
    assert (x / 8)[0] == TINY / 8
    with pytest.raises(RuntimeError), subnormals_flushed():
        raise RuntimeError
    assert mode() == before


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_training_kernels_run_flushed_and_the_mode_is_restored(monkeypatch, solver, Est):
    from fastmlp import _base

    name = "objective_and_gradient" if solver == "lbfgs" else "train_epoch"
    kernel, modes = getattr(_base, name), []
    monkeypatch.setattr(_base, name, lambda *a: modes.append(mode()) or kernel(*a))
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = X[:, 0] > 0 if Est is MLPClassifier else X[:, 0]
    before = mode()
    with pytest.warns(Warning):  # not converged in 3 iterations
        Est(hidden_layer_sizes=(4,), solver=solver, max_iter=3, batch_size=8,
            random_state=0).fit(X, y)
    assert len(modes) >= 3
    assert all(m & FLUSH_SUBNORMALS == FLUSH_SUBNORMALS for m in modes)
    assert mode() == before


def test_a_product_with_subnormal_operands_is_flushed():
    if flushes_subnormals():
        pytest.skip("this process flushes subnormals already (a library built with -ffast-math?)")
    X = np.full((1, 2), TINY / 16)
    W = np.full((2, 1), 2.0**60)
    assert (X @ W)[0, 0] > 0.0
    with subnormals_flushed():
        assert (X @ W)[0, 0] == 0.0
