"""Subnormal weights and optimizer moments are flushed to zero by every update.

Arithmetic on subnormal numbers costs ~100 cycles per operation; the moments and
weights of a dead ReLU unit (zero gradient) drift into that range during long
stochastic fits and, unflushed, stay there.  A flushed run must equal a run in
which those values were exactly zero.
"""

import copy

import numpy as np
import pytest

from fastmlp import MLPClassifier


def subnormal(a):
    a = np.asarray(a)
    return (a != 0) & (np.abs(a) < np.finfo(a.dtype).tiny)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver, momentum, nesterov", [("adam", 0.9, True), ("sgd", 0.9, True),
                                                        ("sgd", 0.9, False)])
def test_subnormals_of_a_dead_unit_are_flushed(dtype, solver, momentum, nesterov):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5)).astype(dtype)
    y = (X[:, 0] > 0).astype(int)
    est = MLPClassifier(hidden_layer_sizes=(6,), solver=solver, momentum=momentum,
                        nesterovs_momentum=nesterov, batch_size=10, alpha=0.0, random_state=0)
    est.partial_fit(X, y, classes=[0, 1])
    # hidden unit 5 is dead: its input is -100 for every sample, so every weight into
    # or out of it has a gradient of exactly zero
    est.intercepts_[0][5] = -100.0
    n_in, n_hidden = est.coefs_[0].shape
    into = np.arange(n_in) * n_hidden + 5                 # flat indices of coefs_[0][:, 5]
    out_of = np.array([n_in * n_hidden + 5])              # coefs_[1][5, 0] (one output)
    dead = np.concatenate([into, out_of])
    n_params = est.coefs_[0].size + est.coefs_[1].size + n_hidden + 1
    moments = np.concatenate([dead + k * n_params
                              for k in range(est._optimizer.state.size // n_params)])

    tiny = np.finfo(dtype).tiny
    with_subnormals, with_zeros = copy.deepcopy(est), copy.deepcopy(est)
    for model, value in ((with_subnormals, tiny / 8), (with_zeros, 0.0)):
        model.coefs_[0][:, 5] = value
        model.coefs_[1][5, :] = value
        model._optimizer.state[moments] = value
    assert subnormal(with_subnormals.coefs_[0]).sum() == n_in  # the setup is what it says
    assert subnormal(with_subnormals._optimizer.state).sum() == moments.size

    with_subnormals.partial_fit(X, y)
    with_zeros.partial_fit(X, y)
    for got, want in zip(with_subnormals.coefs_ + with_subnormals.intercepts_,
                         with_zeros.coefs_ + with_zeros.intercepts_):
        assert not subnormal(got).any()
        np.testing.assert_array_equal(got, want)
    assert not subnormal(with_subnormals._optimizer.state).any()
    np.testing.assert_array_equal(with_subnormals._optimizer.state, with_zeros._optimizer.state)
