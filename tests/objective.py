"""The MLP objective evaluated through the compiled kernels, for gradient tests."""

import numpy as np

from fastmlp._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from fastmlp._losses import LOSSES
from fastmlp._network import Network, objective_and_gradient
from fastmlp._parameters import views
from fastmlp._training import make_workspace

# the hidden activations in numpy, for the reference forward pass
NUMPY_ACTIVATIONS = {
    "identity": lambda z: z,
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "hardtanh": lambda z: np.clip(z, -1.0, 1.0),
    "relu": lambda z: np.maximum(z, 0.0),
}

# the output activation that belongs to each loss (its canonical link; class
# scores for the hinge losses)
OUTPUT_OF_LOSS = {
    "squared_error": "identity",
    "log_loss": "softmax",
    "binary_log_loss": "logistic",
    "poisson": "exp",
    "hinge": "identity",
    "binary_hinge": "identity",
}


def make_targets(loss: str, n: int, k: int, rng) -> np.ndarray:
    """Targets of the kind each loss expects: reals, one-hot rows, 0/1 labels, counts."""
    if loss == "squared_error":
        return rng.normal(size=(n, k))
    if loss in ("log_loss", "hinge"):
        return np.eye(k)[rng.integers(0, k, n)]
    if loss in ("binary_log_loss", "binary_hinge"):
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
        # the hinge's labels go to the kernels as booleans (fastmlp._losses.output_loss)
        Y = Y.astype(bool) if "hinge" in loss else Y
        self.X, self.Y, self.sw, self.alpha = X, Y, sw, alpha
        self.activation, self.loss = activation, loss
        self.work = make_workspace(self.sizes, X.shape[0], self.n_params, X.dtype,
                                   target_dtype=Y.dtype)

    def __call__(self, params):
        """(loss, gradient) at ``params``."""
        grads = np.empty_like(params)
        w = self.work
        loss = objective_and_gradient(
            self.X, self.Y, self.sw, params, grads, self.net, w.acts, w.deltas, w.kernels,
            self.alpha
        )
        return loss, grads


    def scores(self, params):
        """The identity output layer's values at ``params``, by numpy alone."""
        coefs, intercepts = views(params.astype(np.float64), self.sizes)
        a = self.X.astype(np.float64)
        for layer, (W, b) in enumerate(zip(coefs, intercepts)):
            a = a @ W + b
            if layer < len(coefs) - 1:
                a = NUMPY_ACTIVATIONS[self.activation](a)
        return a

    def hinge_margins(self, params):
        """The hinge losses' margins (s·o per output; o_t − o_r per row for the
        multiclass hinge) and, for the latter, how far the rival r leads the
        other wrong classes (a tie there is a kink too)."""
        o, Y = self.scores(params), self.Y.astype(bool)
        if self.loss == "binary_hinge":
            return np.where(Y, o, -o).ravel(), np.array([np.inf])
        true = o[Y]
        others = np.sort(np.where(Y, -np.inf, o), axis=1)
        return true - others[:, -1], others[:, -1] - others[:, -2]

    def reference_loss(self, params):
        """The regularised hinge objective by numpy alone."""
        margins, _ = self.hinge_margins(params)
        losses = np.maximum(0.0, 1.0 - margins).reshape(self.X.shape[0], -1).sum(axis=1)
        coefs, _ = views(params.astype(np.float64), self.sizes)
        penalty = 0.5 * self.alpha * sum((W ** 2).sum() for W in coefs)
        return (self.sw @ losses + penalty) / self.sw.sum()

    def hinge_gap(self, params):
        """The distance of the nearest sample from a kink of the hinge."""
        margins, leads = self.hinge_margins(params)
        return min(np.abs(1.0 - margins).min(), leads.min())
