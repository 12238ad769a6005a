"""asv benchmarks of fastmlp on the workloads W1-W5 and float32 W4 (see workloads.py).

Run from the repository root (see benchmarks/README.md)::

    asv run --config benchmarks/asv.conf.json --python=same --quick

``time_fit_epoch`` / ``peakmem_fit_epoch`` are one full epoch of training (a
fit with ``max_iter=1``, compilation done in ``setup``); ``track_score`` is the
training accuracy (R² for W5) after the workload's epochs; ``time_predict_*``
are predictions of the network after one epoch; ``time_partial_fit_32_rows`` is
one ``partial_fit`` call on 32 rows (one minibatch: mostly the call's fixed cost);
``Activations.time_fit_epoch`` is one W3 epoch with each hidden activation (the
workloads use ReLU; a tanh that called the C library per element once made a tanh
network 3.4× slower than a ReLU one); ``OptimizerUpdate.time_updates`` is 100 updates
of W2's parameters by the optimizer's kernel alone.
"""

import numpy as np

try:
    from . import workloads as wl
except ImportError:
    import workloads as wl

CASES = ["W1", "W2", "W3", "W4", "W5", "W4-float32"]


def workload_of(case: str):
    name, _, dtype = case.partition("-")
    return wl.get(name, np.float32 if dtype == "float32" else np.float64)


class Fit:
    """Training: one epoch of fastmlp's fit, and the score after the workload's epochs."""

    params = [CASES]
    param_names = ["workload"]
    number = 1
    repeat = (1, 3, 120.0)
    timeout = 900

    def setup(self, case):
        self.workload = workload_of(case)
        self.X, self.y = wl.make_data(self.workload)
        warm = wl.shrink(self.workload, 512)  # compile / load the kernels outside the timing
        wl.fit_quietly(wl.make_estimator("fastmlp", warm, 1), self.X[:512], self.y[:512])

    def _fit(self, epochs):
        return wl.fit_quietly(wl.make_estimator("fastmlp", self.workload, epochs), self.X, self.y)

    def time_fit_epoch(self, case):
        self._fit(1)

    def peakmem_fit_epoch(self, case):
        self._fit(1)

    def track_score(self, case):
        return float(self._fit(self.workload.epochs).score(self.X, self.y))

    track_score.unit = "accuracy (R² for W5)"


class Predict:
    """Prediction with the network after one epoch."""

    params = [CASES]
    param_names = ["workload"]
    timeout = 900

    def setup(self, case):
        self.workload = workload_of(case)
        self.X, self.y = wl.make_data(self.workload)
        self.model = wl.fit_quietly(wl.make_estimator("fastmlp", self.workload, 1), self.X, self.y)
        self.one, self.rows = self.X[:1], self.X[:1000]
        # both paths once: a 1,000-row predict is shared by MKL's threads, whose
        # worker and generated products load on its first call (~50 ms), which
        # `asv run --quick` (a single timed call) would otherwise measure
        self.model.predict(self.one)
        self.model.predict(self.rows)

    def time_predict_one_row(self, case):
        self.model.predict(self.one)

    def time_predict_1000_rows(self, case):
        self.model.predict(self.rows)

    def peakmem_predict_all_rows(self, case):
        self.model.predict(self.X)


class PartialFit:
    """One partial_fit call on 32 rows of a workload's data, after a first call."""

    params = [["W2", "W5"]]
    param_names = ["workload"]
    timeout = 300

    def setup(self, case):
        self.workload = workload_of(case)
        self.X, self.y = wl.make_data(self.workload)
        self.model = wl.make_estimator("fastmlp", self.workload, 1)
        extra = {"classes": np.unique(self.y)} if self.workload.n_classes else {}
        self.model.partial_fit(self.X[:32], self.y[:32], **extra)
        self.chunk = self.X[32:64], self.y[32:64]

    def time_partial_fit_32_rows(self, case):
        self.model.partial_fit(*self.chunk)


class Activations:
    """One epoch of W3 with each hidden activation (same products, different
    element-wise work)."""

    params = [["relu", "tanh", "logistic", "hardtanh", "identity"]]
    param_names = ["activation"]
    number = 1
    repeat = (1, 3, 60.0)
    timeout = 300

    def setup(self, activation):
        self.workload = wl.get("W3")
        self.X, self.y = wl.make_data(self.workload)
        self.model = wl.make_estimator("fastmlp", self.workload, 1).set_params(activation=activation)
        wl.fit_quietly(self.model, self.X[:512], self.y[:512])  # kernels compiled or loaded

    def time_fit_epoch(self, activation):
        wl.fit_quietly(self.model, self.X, self.y)


class OptimizerUpdate:
    """100 optimizer updates of the W2 network's 4,810 parameters, the update kernel
    alone (fastmlp._optimizers.optimizer_step, in flush-to-zero mode as in training).
    Adam's is bound by the square root and the division (see fastmlp._adam_lanes)."""

    params = [["adam", "sgd"], ["float64", "float32"]]
    param_names = ["solver", "dtype"]
    UPDATES = 100

    def setup(self, solver, dtype):
        from numba import njit

        from fastmlp._omp import no_team
        from fastmlp._optimizers import make_optimizer, optimizer_step

        @njit
        def updates(params, grads, opt, team, count):
            squares = 0.0
            for _ in range(count):
                squares += optimizer_step(params, grads, opt, 4160, 1e-4, 32.0, team)
            return squares

        rng = np.random.default_rng(0)
        self.params = rng.normal(scale=0.1, size=4810).astype(dtype)
        self.grads = rng.normal(scale=1e-2, size=4810).astype(dtype)
        self.opt = make_optimizer(solver, 4810, np.dtype(dtype), learning_rate_init=1e-3)
        self.team = no_team()
        self.updates = updates
        self.time_updates(solver, dtype)  # compiled (and the flush-to-zero helpers loaded) here

    def time_updates(self, solver, dtype):
        from fastmlp._fpu import subnormals_flushed

        with subnormals_flushed():
            self.updates(self.params, self.grads, self.opt, self.team, self.UPDATES)
