"""Training on more data than fits in memory, with Dask.

The data is a Dask array: a chunk at a time is produced (or read) on the
cluster's workers and only that chunk travels to this process, where
``partial_fit`` trains one pass over it -- memory holds one chunk, not the data
set (dask-ml's ``Incremental`` wrapper does the same for any estimator with
``partial_fit``).  Prediction runs on the workers: ``map_blocks`` ships the
fitted model to them (fastmlp estimators pickle without their compiled
kernels; each worker loads those from numba's on-disk cache) and each predicts
its own chunks.  The cluster is a LocalCluster on this machine; point
``Client`` at a scheduler address to use a real one.

    python examples/dask_out_of_core.py
"""

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

from fastmlp import MLPClassifier

N_FEATURES, N_CLASSES = 32, 4


def make_data(n_rows: int, chunk_rows: int, seed: int = 0):
    """A lazy data set: X from a seeded generator, labels from a noisy linear rule.
    Nothing is computed until a chunk is asked for."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((n_rows, N_FEATURES), chunks=(chunk_rows, N_FEATURES))
    W = np.random.default_rng(seed + 1).standard_normal((N_FEATURES, N_CLASSES))
    noise = rng.standard_normal((n_rows, N_CLASSES), chunks=(chunk_rows, N_CLASSES))
    y = (X @ W + 0.5 * noise).argmax(axis=1)
    return X, y


def main(n_rows: int = 200_000, chunk_rows: int = 25_000, passes: int = 3,
         n_workers: int = 2) -> dict:
    X, y = make_data(n_rows, chunk_rows)
    n_test = chunk_rows  # the last chunk is held out
    X_train, y_train = X[:-n_test], y[:-n_test]
    X_test, y_test = X[-n_test:], y[-n_test:]
    model = MLPClassifier(hidden_layer_sizes=(64,), batch_size=200, random_state=0)
    classes = np.arange(N_CLASSES)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        for _ in range(passes):
            for X_chunk, y_chunk in zip(X_train.to_delayed().ravel(), y_train.to_delayed()):
                X_block, y_block = dask.compute(X_chunk, y_chunk)  # made on a worker
                model.partial_fit(X_block, y_block, classes=classes)
        on_workers = X_test.map_blocks(model.predict_proba, dtype=float,
                                       chunks=(X_test.chunks[0], (N_CLASSES,)))
        probabilities, X_test, y_test = dask.compute(on_workers, X_test, y_test)
    accuracy = float((classes[probabilities.argmax(axis=1)] == y_test).mean())
    print(f"trained on {n_rows - n_test:,} rows in chunks of {chunk_rows:,} ({passes} passes), "
          f"{model.t_:,} samples seen; held-out accuracy {accuracy:.4f} (predicted on the workers)")
    return {"model": model, "accuracy": accuracy, "probabilities": probabilities,
            "X_test": X_test, "y_test": y_test}


if __name__ == "__main__":
    main()
