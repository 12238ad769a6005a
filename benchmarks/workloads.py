"""The benchmark workloads W1-W5 and the timed training loops of every system.

One place for the data, the networks and the way an epoch is timed, shared by
``compare.py`` (the side-by-side table) and the asv suite (``bench_mlp.py``).

Every system trains the same network on the same data: ReLU hidden layers,
Adam with learning rate 1e-3 (β₁=0.9, β₂=0.999, ε=1e-8), the same batch size,
a fresh shuffle every epoch, and scikit-learn's L2 penalty ``alpha=1e-4``.
scikit-learn adds ``alpha * W / batch_size`` to the gradient of the coefficient
matrices (not the intercepts); the PyTorch loop does exactly that through
Adam's ``weight_decay = alpha / batch_size`` on the weight matrices only, so no
system does less work than another.  Binary classification uses one logistic
output unit (scikit-learn's architecture; ``BCEWithLogitsLoss`` in PyTorch),
multiclass a softmax (``CrossEntropyLoss``), regression an identity output with
scikit-learn's squared error ``0.5 * mean((y - p)**2)`` (``0.5 * MSELoss``).
"""

import importlib.util
import os
import sys
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning

if importlib.util.find_spec("fastmlp") is None:
    # not installed (asv's --python=same drops PYTHONPATH): use this checkout's copy
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Thread pools' workers spin after their work before they sleep: Intel's OpenMP
# (MKL's, and PyTorch's here) a full CPU for 200 ms (KMP_BLOCKTIME), numpy's
# OpenBLAS ~60 ms of CPU over ~130 ms (measured). On two cores, a call timed
# right after other work (generating data, a fit, another system's fit) would
# share a core with those workers: timings start this long after it (settle).
SETTLE_SECONDS = 0.25
ALPHA = 1e-4
LEARNING_RATE = 1e-3
SEED = 0


@dataclass(frozen=True)
class Workload:
    """A data set and the network trained on it."""

    name: str
    title: str
    n_samples: int
    n_features: int
    hidden: tuple
    n_classes: int  # 0 for regression (one output)
    batch_size: int
    epochs: int  # epochs per timed fit in compare.py
    dtype: type = np.float64

    @property
    def is_classifier(self) -> bool:
        return self.n_classes > 0

    @property
    def n_outputs(self) -> int:
        if not self.is_classifier:
            return 1
        return 1 if self.n_classes == 2 else self.n_classes

    @property
    def layer_sizes(self) -> list:
        return [self.n_features, *self.hidden, self.n_outputs]

    @property
    def n_weights(self) -> int:
        """Entries of the coefficient matrices (intercepts not counted)."""
        sizes = self.layer_sizes
        return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))

    @property
    def flop_per_epoch(self) -> float:
        """6 × weights × samples: forward (2) and backward (4) multiply-adds."""
        return 6.0 * self.n_weights * self.n_samples

    @property
    def label(self) -> str:
        return self.name if self.dtype == np.float64 else f"{self.name} {np.dtype(self.dtype).name}"


WORKLOADS = {
    w.name: w
    for w in (
        Workload("W1", "pure SGD", 4_000, 20, (32,), 2, 1, 2),
        Workload("W2", "small", 10_000, 64, (64,), 10, 32, 3),
        Workload("W3", "medium", 20_000, 100, (256, 128), 10, 128, 3),
        Workload("W4", "large", 30_000, 784, (512, 512), 10, 256, 1),
        Workload("W5", "regression", 20_000, 50, (128, 64), 0, 64, 3),
    )
}


def get(name: str, dtype=np.float64) -> Workload:
    """Workload by name ('W1'..'W5'), optionally in float32."""
    return replace(WORKLOADS[name], dtype=dtype)


def shrink(workload: Workload, n_samples: int) -> Workload:
    """The same network on fewer rows (batch capped at the rows) and one epoch (for smoke tests)."""
    n = min(n_samples, workload.n_samples)
    return replace(workload, n_samples=n, batch_size=min(workload.batch_size, n), epochs=1)


def settle() -> None:
    """Wait :data:`SETTLE_SECONDS`: the thread pools' workers that the work just
    done woke have stopped spinning when the next timing starts."""
    time.sleep(SETTLE_SECONDS)


def make_data(workload: Workload, seed: int = SEED):
    """Seeded random data: X ~ N(0, 1); classes from a noisy linear rule, or
    a regression target that is a noisy tanh of a random projection."""
    rng = np.random.default_rng(seed)
    n, d = workload.n_samples, workload.n_features
    X = rng.standard_normal((n, d))
    if workload.is_classifier:
        W = rng.standard_normal((d, workload.n_classes)) / np.sqrt(d)
        y = np.argmax(X @ W + 0.3 * rng.standard_normal((n, workload.n_classes)), axis=1)
    else:
        w = rng.standard_normal(d) / np.sqrt(d)
        y = np.tanh(X @ w) + 0.1 * rng.standard_normal(n)
        y = y.astype(workload.dtype)
    return X.astype(workload.dtype), y


# ------------------------------------------------------------------ estimators
def make_estimator(module, workload: Workload, epochs: int, random_state: int = SEED,
                   activation: str = "relu"):
    """A fastmlp or scikit-learn estimator that trains exactly ``epochs`` epochs
    (with ReLU hidden units, as the workloads define, unless ``activation`` says).

    ``module`` is "fastmlp", "sklearn" or a module with the two estimator classes
    (another version of fastmlp, see ab.py).
    """
    if not isinstance(module, str):
        lib = module
    elif module == "fastmlp":
        import fastmlp as lib
    elif module == "sklearn":
        import sklearn.neural_network as lib
    else:
        raise ValueError(f"unknown module {module!r}")
    cls = lib.MLPClassifier if workload.is_classifier else lib.MLPRegressor
    return cls(
        hidden_layer_sizes=workload.hidden, activation=activation, solver="adam",
        alpha=ALPHA, batch_size=workload.batch_size, learning_rate_init=LEARNING_RATE,
        max_iter=epochs, shuffle=True, random_state=random_state,
        tol=0.0, n_iter_no_change=np.inf, early_stopping=False,
    )


def fit_quietly(estimator, X, y):
    """Fit, silencing the ConvergenceWarning that max_iter=epochs always raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    return estimator


class EstimatorTrainer:
    """Times fit() of a fastmlp or scikit-learn estimator over ``epochs`` epochs.

    The fit's per-call overhead (input validation, weight initialisation) is in
    the timed region, divided over the epochs like the epochs themselves.
    """

    def __init__(self, module: str, workload: Workload, X, y):
        self.module, self.workload, self.X, self.y = module, workload, X, y
        self.model = None

    def train(self, epochs: int) -> float:
        model = make_estimator(self.module, self.workload, epochs)
        start = time.perf_counter()
        fit_quietly(model, self.X, self.y)
        seconds = time.perf_counter() - start
        if model.n_iter_ != epochs:
            raise RuntimeError(f"{self.module} ran {model.n_iter_} epochs, not {epochs}")
        self.model = model
        return seconds

    def score(self) -> float:
        return float(self.model.score(self.X, self.y))


class TorchTrainer:
    """A plain PyTorch CPU training loop of the same network (default threads).

    torch.nn.Sequential of Linear + ReLU, torch.optim.Adam, a new
    ``torch.randperm`` shuffle every epoch, manual batching (no DataLoader).
    Weights start from scikit-learn's Glorot-uniform draw for the same layers.
    """

    def __init__(self, workload: Workload, X, y):
        import torch

        self.torch = torch
        self.workload = workload
        dtype = torch.float64 if workload.dtype == np.float64 else torch.float32
        self.X = torch.from_numpy(np.ascontiguousarray(X))
        if workload.is_classifier and workload.n_outputs > 1:
            self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
            self.loss_fn = torch.nn.CrossEntropyLoss()
        elif workload.is_classifier:
            self.y = torch.from_numpy(np.asarray(y, dtype=workload.dtype).reshape(-1, 1))
            self.loss_fn = torch.nn.BCEWithLogitsLoss()
        else:
            self.y = torch.from_numpy(np.asarray(y, dtype=workload.dtype).reshape(-1, 1))
            mse = torch.nn.MSELoss()
            self.loss_fn = lambda out, target: 0.5 * mse(out, target)
        self.dtype = dtype
        self.generator = torch.Generator().manual_seed(SEED)
        self.model = None

    def _new_model(self):
        torch = self.torch
        sizes = self.workload.layer_sizes
        rng = np.random.RandomState(SEED)
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = torch.nn.Linear(fan_in, fan_out, dtype=self.dtype)
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(rng.uniform(-bound, bound, (fan_in, fan_out)).T))
                linear.bias.copy_(torch.from_numpy(rng.uniform(-bound, bound, fan_out)))
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        return torch.nn.Sequential(*layers)

    def train(self, epochs: int) -> float:
        torch = self.torch
        model = self._new_model()
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
        optimizer = torch.optim.Adam(
            [{"params": weights, "weight_decay": ALPHA / self.workload.batch_size},
             {"params": biases, "weight_decay": 0.0}],
            lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8,
        )
        X, y, loss_fn, batch = self.X, self.y, self.loss_fn, self.workload.batch_size
        n = X.shape[0]
        start = time.perf_counter()
        for _ in range(epochs):
            order = torch.randperm(n, generator=self.generator)
            for first in range(0, n, batch):
                idx = order[first:first + batch]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                optimizer.step()
        seconds = time.perf_counter() - start
        self.model = model
        return seconds

    def score(self) -> float:
        """Training accuracy, or R² for regression (as scikit-learn's score)."""
        torch = self.torch
        with torch.no_grad():
            out = self.model(self.X)
        if self.workload.is_classifier:
            pred = (out[:, 0] > 0).long() if out.shape[1] == 1 else out.argmax(dim=1)
            return float((pred == self.y.reshape(-1).long()).double().mean())
        y = self.y.reshape(-1).double()
        residual = ((y - out.reshape(-1).double()) ** 2).sum()
        total = ((y - y.mean()) ** 2).sum()
        return float(1.0 - residual / total)
