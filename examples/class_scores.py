"""The lecture's two kinds of classification loss, side by side on digits.

MLPClassifier compares distributions: softmax over the output units, then the
cross-entropy against the true class.  HingeMLPClassifier works on the raw
class scores: the true class must beat its strongest rival by a margin of 1
(the multiclass hinge).  Both predict the class with the highest output.
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from fastmlp import HingeMLPClassifier, MLPClassifier


def main() -> dict:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, random_state=0)
    results = {}
    for name, cls in (("log-loss (distributions)", MLPClassifier),
                      ("hinge (class scores)", HingeMLPClassifier)):
        model = cls(random_state=0, max_iter=300)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        results[name] = model
        print(f"{name:<26} test accuracy {model.score(X_test, y_test):.4f}  "
              f"epochs {model.n_iter_:>3}  fit {seconds:.2f} s")
    np.set_printoptions(precision=2, suppress=True)
    sample = X_test[:1]
    print(f"\nfirst test digit (a {y_test[0]}):")
    print("  probabilities", results["log-loss (distributions)"].predict_proba(sample)[0])
    print("  class scores ", results["hinge (class scores)"].decision_function(sample)[0])
    return results


if __name__ == "__main__":
    main()
