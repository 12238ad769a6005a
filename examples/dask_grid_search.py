"""Hyper-parameter search on a Dask cluster.

scikit-learn's GridSearchCV hands its fits to joblib; joblib's "dask" backend
sends them to a Dask cluster, so the same search runs on many machines.  Here
the cluster is a LocalCluster on this machine (two worker processes); point
``Client`` at a scheduler address to use a real one.  fastmlp estimators
pickle without their compiled kernels, and each worker loads the kernels from
numba's on-disk cache.
"""

import warnings

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from fastmlp import MLPClassifier


def main(n_workers: int = 2) -> GridSearchCV:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    search = GridSearchCV(
        MLPClassifier(max_iter=30, random_state=0),
        {"hidden_layer_sizes": [(32,), (64,)], "alpha": [1e-4, 1e-2]},
        cv=3,
    )
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        with warnings.catch_warnings(), joblib.parallel_backend("dask"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            search.fit(X, y)
    print(f"best parameters {search.best_params_}, cross-validated accuracy {search.best_score_:.3f}")
    return search


if __name__ == "__main__":
    main()
