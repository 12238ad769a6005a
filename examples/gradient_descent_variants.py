"""Batch, stochastic and minibatch gradient descent on the same network.

The lecture's three variants are one parameter apart: ``batch_size=n`` averages
the gradient over the whole training set per step, ``batch_size=1`` steps after
every sample, anything in between is minibatch descent; ``shuffle`` reshuffles
the samples every epoch (the lecture's "in practice" Algorithms 3 and 5), and
``shuffle="sample"`` draws every sample or minibatch at random from the whole
training set instead (Algorithms 2 and 4, with replacement).  This script
trains each with plain SGD (the update w -= η·δ·out, no momentum) and prints
the training loss per epoch; with ``--plot FILE`` it also draws the loss curves
into an image (matplotlib, extra ``plot``).

    python examples/gradient_descent_variants.py --plot curves.png
"""

import argparse
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from fastmlp import MLPClassifier


def main(epochs: int = 15, plot: str | None = None) -> dict:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    variants = {
        "batch (s = n)": dict(batch_size=X.shape[0], learning_rate_init=0.5),
        "stochastic (s = 1)": dict(batch_size=1, learning_rate_init=0.01),
        "stochastic, sampled": dict(batch_size=1, learning_rate_init=0.01, shuffle="sample"),
        "minibatch (s = 32)": dict(batch_size=32, learning_rate_init=0.1),
        "minibatch, sampled": dict(batch_size=32, learning_rate_init=0.1, shuffle="sample"),
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
    if plot:
        plot_curves(curves, plot)
    return curves


def plot_curves(curves: dict, path: str) -> None:
    """The training loss per epoch of every variant, on a log scale, saved to ``path``."""
    from matplotlib.figure import Figure  # (no pyplot: no display needed)

    figure = Figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.subplots()
    for name, curve in curves.items():
        axes.plot(range(1, len(curve) + 1), curve, marker="o", markersize=3, label=name)
    axes.set(xlabel="epoch", ylabel="training loss (log-loss + L2)", yscale="log",
             title="Gradient descent variants on digits (fastmlp, plain SGD)")
    axes.legend()
    figure.savefig(path, dpi=120)
    print(f"loss curves saved to {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--plot", metavar="FILE", help="save the loss curves as an image")
    arguments = parser.parse_args()
    main(arguments.epochs, arguments.plot)
