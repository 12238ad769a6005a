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

asv (asv_runner 0.3) re-runs ``setup`` before every timed call of a class that
has one, and, unless the benchmark sets ``number``, times a single call per
sample.  For the fits that is what is wanted.  The short calls (prediction,
``partial_fit``, the optimizer's kernel) would be timed one at a time right
after a fresh fit: a cold call beside the thread pool's still-spinning workers
(measured: one W2 row 37 µs instead of ~10).  So their state is built once per
process (``functools.cache``; the setup that asv repeats only looks it up) and
each of their benchmarks sets ``number``: a sample is that many calls.
"""

import functools

import numpy as np

try:
    from . import workloads as wl
except ImportError:
    import workloads as wl

CASES = ["W1", "W2", "W3", "W4", "W5", "W4-float32"]


def workload_of(case: str):
    name, _, dtype = case.partition("-")
    return wl.get(name, np.float32 if dtype == "float32" else np.float64)


@functools.cache
def _data(workload):
    """The workload's data, made once per process."""
    return wl.make_data(workload)


@functools.cache
def _fitted(workload):
    """fastmlp after one epoch on the workload, both prediction paths run once (a
    1,000-row predict is shared by MKL's threads, whose worker and generated
    products load on its first call, ~50 ms)."""
    X, y = _data(workload)
    model = wl.fit_quietly(wl.make_estimator("fastmlp", workload, 1), X, y)
    model.predict(X[:1])
    model.predict(X[:1000])
    return model


@functools.cache
def _after_first_partial_fit(workload):
    """fastmlp after one partial_fit call on the workload's first 32 rows."""
    X, y = _data(workload)
    model = wl.make_estimator("fastmlp", workload, 1)
    extra = {"classes": np.unique(y)} if workload.n_classes else {}
    model.partial_fit(X[:32], y[:32], **extra)
    return model


@functools.cache
def _update_loop():
    """A compiled loop of ``count`` optimizer steps (compiled once per process)."""
    from numba import njit

    from fastmlp._optimizers import optimizer_step

    @njit
    def updates(params, grads, opt, team, count):
        squares = 0.0
        for _ in range(count):
            squares += optimizer_step(params, grads, opt, 4160, 1e-4, 32.0, team)
        return squares

    return updates


class Fit:
    """Training: one epoch of fastmlp's fit, and the score after the workload's epochs."""

    params = [CASES]
    param_names = ["workload"]
    number = 1
    repeat = (1, 3, 120.0)
    timeout = 900

    def setup(self, case):
        self.workload = workload_of(case)
        self.X, self.y = _data(self.workload)
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
        self.X, self.y = _data(self.workload)
        self.model = _fitted(self.workload)
        self.one, self.rows = self.X[:1], self.X[:1000]

    def time_predict_one_row(self, case):
        self.model.predict(self.one)

    time_predict_one_row.number = 100

    def time_predict_1000_rows(self, case):
        self.model.predict(self.rows)

    time_predict_1000_rows.number = 10

    def peakmem_predict_all_rows(self, case):
        self.model.predict(self.X)


class PartialFit:
    """One partial_fit call on 32 rows of a workload's data, after a first call."""

    params = [["W2", "W5"]]
    param_names = ["workload"]
    timeout = 300

    def setup(self, case):
        self.workload = workload_of(case)
        X, y = _data(self.workload)
        self.model = _after_first_partial_fit(self.workload)
        self.chunk = X[32:64], y[32:64]

    def time_partial_fit_32_rows(self, case):
        self.model.partial_fit(*self.chunk)

    time_partial_fit_32_rows.number = 20


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
        self.X, self.y = _data(self.workload)
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
        from fastmlp._omp import no_team
        from fastmlp._optimizers import make_optimizer

        rng = np.random.default_rng(0)
        self.params = rng.normal(scale=0.1, size=4810).astype(dtype)
        self.grads = rng.normal(scale=1e-2, size=4810).astype(dtype)
        self.opt = make_optimizer(solver, 4810, np.dtype(dtype), learning_rate_init=1e-3)
        self.team = no_team()
        self.updates = _update_loop()
        self.time_updates(solver, dtype)  # compiled (and the flush-to-zero helpers loaded) here

    def time_updates(self, solver, dtype):
        from fastmlp._fpu import subnormals_flushed

        with subnormals_flushed():
            self.updates(self.params, self.grads, self.opt, self.team, self.UPDATES)

    time_updates.number = 10
