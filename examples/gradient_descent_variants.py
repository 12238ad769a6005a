"""Batch, stochastic and minibatch gradient descent on the same network.

The lecture's three variants are one parameter apart: ``batch_size=n`` averages
the gradient over the whole training set per step, ``batch_size=1`` steps after
every sample, anything in between is minibatch descent; ``shuffle`` reshuffles
the samples every epoch.  This script trains each with plain SGD (the update
w -= η·δ·out, no momentum) and prints the training loss per epoch.
"""

import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from fastmlp import MLPClassifier


def main(epochs: int = 15) -> dict:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    variants = {
        "batch (s = n)": dict(batch_size=X.shape[0], learning_rate_init=0.5),
        "stochastic (s = 1)": dict(batch_size=1, learning_rate_init=0.01),
        "minibatch (s = 32)": dict(batch_size=32, learning_rate_init=0.1),
        "minibatch, no shuffle": dict(batch_size=32, learning_rate_init=0.1, shuffle=False),
    }
    curves = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, params in variants.items():
            model = MLPClassifier(hidden_layer_sizes=(64,), solver="sgd", momentum=0.0,
                                  max_iter=epochs, random_state=0, **params).fit(X, y)
            curves[name] = model.loss_curve_
            print(f"{name:<24} loss per epoch: "
                  + " ".join(f"{loss:.3f}" for loss in model.loss_curve_[:: max(1, epochs // 5)])
                  + f"  -> {model.loss_curve_[-1]:.4f}, training accuracy {model.score(X, y):.3f}")
    return curves


if __name__ == "__main__":
    main()
