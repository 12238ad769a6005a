"""Regression with MLPRegressor: squared error and Poisson loss, beside scikit-learn."""

import time
import warnings

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor

from fastmlp import MLPRegressor


def main() -> dict:
    X, y = make_friedman1(n_samples=4000, noise=0.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    counts = np.random.default_rng(0).poisson(np.exp(y / 10.0))
    c_train, c_test = train_test_split(counts, random_state=0)
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for label, loss, target, test_target in (
            ("squared_error", "squared_error", y_train, y_test),
            ("poisson", "poisson", c_train, c_test),
        ):
            for name, cls in (("fastmlp", MLPRegressor), ("scikit-learn", SklearnMLPRegressor)):
                model = cls(loss=loss, hidden_layer_sizes=(64, 32), max_iter=100,
                            learning_rate_init=0.003, random_state=0)
                start = time.perf_counter()
                model.fit(X_train, target)
                seconds = time.perf_counter() - start
                results[(label, name)] = model.score(X_test, test_target)
                print(f"{label:<14} {name:<13} R² {results[(label, name)]:.4f}  fit {seconds:.2f} s")
    return results


if __name__ == "__main__":
    main()
