"""L-BFGS-B over the compiled full-batch objective, without BLAS thread thrashing.

scipy's L-BFGS-B makes many tiny BLAS calls per iteration.  With OpenBLAS
running more than one thread each of those calls wakes the thread pool, which
on this project's reference machine (2 cores) costs ~15 ms per iteration: a
200-iteration fit of a 900-weight network took 2.4 s in scikit-learn and 0.12 s
with one BLAS thread.  :func:`minimize_lbfgs` therefore runs the optimiser with
one BLAS thread and gives the objective (whose large products do profit from
threads) the original thread count back while it runs.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ._threads import set_counts, single_blas_thread

if TYPE_CHECKING:
    import scipy.optimize


def minimize_lbfgs(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    *,
    max_iter: int,
    max_fun: int,
    tol: float,
) -> "scipy.optimize.OptimizeResult":
    """Minimise ``objective`` (returning loss and gradient) from ``x0`` with L-BFGS-B.

    scipy's L-BFGS-B prints nothing (its ``iprint`` option does nothing since
    scipy 1.15, fastmlp's oldest), so ``verbose`` has no effect on this solver,
    as in scikit-learn.
    """
    import scipy.optimize  # lazily: slow to import, and only L-BFGS needs it

    with single_blas_thread() as threads:

        def objective_with_threads(x):
            set_counts(threads)
            try:
                return objective(x)
            finally:
                set_counts([1] * len(threads))

        return scipy.optimize.minimize(
            objective_with_threads,
            x0,
            method="L-BFGS-B",
            jac=True,
            options={
                "maxfun": max_fun,
                "maxiter": max_iter,
                "gtol": tol,
            },
        )
