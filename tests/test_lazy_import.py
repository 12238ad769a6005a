"""``import fastmlp`` loads neither scikit-learn nor numba; the estimators load on first use."""

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastmlp

ROOT = str(Path(__file__).resolve().parent.parent)

_FRESH = """
import sys
sys.path.insert(0, {root!r})
import fastmlp
heavy = sorted(m for m in ("sklearn", "numba", "scipy") if m in sys.modules)
print("before:", ",".join(heavy) or "-")
fastmlp.set_config(progress_bar=False)
with fastmlp.config_context(progress_bar=False):
    pass
print("after config:", ",".join(m for m in ("sklearn", "numba") if m in sys.modules) or "-")
from fastmlp import MLPClassifier
print("after estimator:", ",".join(m for m in ("numba", "sklearn") if m in sys.modules))
print(MLPClassifier.__module__, fastmlp.__version__)
"""


def _run_fresh(code):
    result = subprocess.run(
        [sys.executable, "-c", code.format(root=ROOT)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


def test_import_loads_no_heavy_dependency():
    lines = _run_fresh(_FRESH)
    assert lines[0] == "before: -"
    assert lines[1] == "after config: -"
    assert lines[2] == "after estimator: numba,sklearn"
    assert lines[3] == f"fastmlp._classifier {fastmlp.__version__}"


def test_unpickling_in_a_fresh_process_needs_no_prior_access():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 3)), rng.randint(0, 2, 30)
    model = fastmlp.MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with pytest.warns(Warning):
        model.fit(X, y)
    blob = pickle.dumps(model).hex()
    code = (
        "import sys, pickle, numpy as np\nsys.path.insert(0, {root!r})\n"
        f"m = pickle.loads(bytes.fromhex({blob!r}))\n"
        f"print(m.predict_proba(np.array({X[:2].tolist()!r})).tolist())"
    )
    (line,) = _run_fresh(code)
    np.testing.assert_allclose(eval(line), model.predict_proba(X[:2]), rtol=1e-15)


def test_public_names():
    for name in fastmlp.__all__:
        assert getattr(fastmlp, name) is not None
        assert name in dir(fastmlp)
    assert issubclass(fastmlp.DivergenceError, ValueError)
    assert fastmlp.MLPRegressor.__module__ == "fastmlp._regressor"
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        fastmlp.nonexistent  # noqa: B018
    namespace = {}
    exec("from fastmlp import *", namespace)
    assert namespace["MLPClassifier"] is fastmlp.MLPClassifier
