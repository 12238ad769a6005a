"""The MLP objective evaluated through the compiled kernels, for gradient tests."""

import numpy as np

from fastmlp._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from fastmlp._losses import LOSSES
from fastmlp._network import Network, objective_and_gradient
from fastmlp._training import make_workspace

# the output activation that belongs to each loss (its canonical link)
OUTPUT_OF_LOSS = {
    "squared_error": "identity",
    "log_loss": "softmax",
    "binary_log_loss": "logistic",
    "poisson": "exp",
}


def make_targets(loss: str, n: int, k: int, rng) -> np.ndarray:
    """Targets of the kind each loss expects: reals, one-hot rows, 0/1 labels, counts."""
    if loss == "squared_error":
        return rng.normal(size=(n, k))
    if loss == "log_loss":
        return np.eye(k)[rng.integers(0, k, n)]
    if loss == "binary_log_loss":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.poisson(1.5, (n, k)).astype(float)


class Objective:
    """scikit-learn's regularised MLP objective on fixed data, through the kernels."""

    def __init__(self, X, Y, sw, hidden_sizes, activation, loss, alpha):
        self.sizes = np.array([X.shape[1], *hidden_sizes, Y.shape[1]], dtype=np.int64)
        self.net = Network(
            self.sizes,
            HIDDEN_ACTIVATIONS[activation],
            OUTPUT_ACTIVATIONS[OUTPUT_OF_LOSS[loss]],
            LOSSES[loss],
        )
        self.n_params = int(sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:])))
        self.X, self.Y, self.sw, self.alpha = X, Y, sw, alpha
        self.work = make_workspace(self.sizes, X.shape[0], self.n_params, X.dtype)

    def __call__(self, params):
        """(loss, gradient) at ``params``."""
        grads = np.empty_like(params)
        w = self.work
        loss = objective_and_gradient(
            self.X, self.Y, self.sw, params, grads, self.net, w.acts, w.deltas, w.kernels,
            self.alpha
        )
        return loss, grads

