"""Demo: ``python -m fastmlp`` trains on the digits data set beside scikit-learn.

Both estimators get the same parameters and the same random_state; the table
shows test accuracy and fit time (the first fastmlp fit, which may load or
compile the kernels, is timed separately).
"""

import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from fastmlp import MLPClassifier


def _timed_fit(estimator, X, y):
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def main() -> None:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    params = dict(hidden_layer_sizes=(100,), max_iter=200, random_state=0)
    print(f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test images, "
          f"{X.shape[1]} features, 10 classes; MLP {params}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = _timed_fit(MLPClassifier(**params), X_train, y_train)
        rows = []
        for name, cls in (("fastmlp", MLPClassifier), ("scikit-learn", SklearnMLPClassifier)):
            model = cls(**params)
            seconds = _timed_fit(model, X_train, y_train)
            rows.append((name, model.score(X_test, y_test), seconds, model.n_iter_))
    print(f"(fastmlp's first fit in this process, kernel loading/compilation included: {first:.2f} s)")
    print(f"{'system':<14}{'test accuracy':>15}{'fit time [s]':>14}{'epochs':>8}")
    for name, accuracy, seconds, epochs in rows:
        print(f"{name:<14}{accuracy:>15.4f}{seconds:>14.3f}{epochs:>8}")
    print(f"speed-up: {rows[1][2] / rows[0][2]:.1f}x")


if __name__ == "__main__":
    main()
