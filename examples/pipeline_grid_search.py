"""fastmlp inside a scikit-learn Pipeline, tuned with GridSearchCV.

Only the import differs from the scikit-learn version of this script.
"""

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fastmlp import MLPClassifier


def main() -> float:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    pipeline = make_pipeline(StandardScaler(), MLPClassifier(max_iter=100, random_state=0))
    grid = {
        "mlpclassifier__hidden_layer_sizes": [(16,), (32, 16)],
        "mlpclassifier__alpha": [1e-4, 1e-2],
        "mlpclassifier__activation": ["relu", "tanh"],
    }
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    accuracy = search.score(X_test, y_test)
    print(f"best parameters: {search.best_params_}")
    print(f"cross-validated accuracy {search.best_score_:.3f}, test accuracy {accuracy:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
