"""The fit's random streams: those of a new RandomState(seed), made cheaply."""

import pickle

import numpy as np
import pytest

from fastmlp import MLPClassifier
from fastmlp._random import first_order, has_first_order, new_random_state


def _same_state(a: np.random.RandomState, b: np.random.RandomState) -> bool:
    sa, sb = a.get_state(), b.get_state()
    return sa[0] == sb[0] and np.array_equal(sa[1], sb[1]) and sa[2:] == sb[2:]


@pytest.mark.parametrize("seed", [0, 1, 42, np.int64(7), 2**32 - 1])
def test_int_seed_gives_the_state_and_draws_of_a_new_random_state(seed):
    made, reference = new_random_state(seed), np.random.RandomState(seed)
    assert _same_state(made, reference)
    np.testing.assert_array_equal(made.standard_normal(5), reference.standard_normal(5))
    assert _same_state(made, reference)  # the cached Gaussian too
    order, expected = np.arange(100), np.arange(100)
    made.shuffle(order)
    reference.shuffle(expected)
    np.testing.assert_array_equal(order, expected)
    # and it pickles like one
    assert _same_state(pickle.loads(pickle.dumps(made)), reference)


def test_other_seeds_go_to_check_random_state():
    mine = np.random.RandomState(3)
    assert new_random_state(mine) is mine
    assert new_random_state(None) is np.random.mtrand._rand
    with pytest.raises(ValueError):
        new_random_state(-1)  # as RandomState(-1)


def test_fit_starts_from_scikit_learns_initial_weights():
    """The same weights as a new RandomState draws (scikit-learn's init from it
    is compared in test_sklearn_equivalence; here the stream itself)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4)), rng.integers(0, 3, 60)
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=1, solver="sgd",
                        learning_rate_init=1e-12, random_state=4)
    with pytest.warns(Warning):
        est.fit(X, y)
    bound = np.sqrt(6.0 / (4 + 5))  # Glorot's bound for relu, drawn first
    expected = np.random.RandomState(4).uniform(-bound, bound, (4, 5))
    np.testing.assert_allclose(est.coefs_[0], expected, rtol=0, atol=1e-9)


def test_first_order_is_a_new_random_states_first_shuffle():
    order = np.arange(50)
    np.random.RandomState(9).shuffle(order)
    np.testing.assert_array_equal(first_order(9, 50), order)
    assert has_first_order(9, 50) and not has_first_order(True, 50) and not has_first_order(None, 50)
