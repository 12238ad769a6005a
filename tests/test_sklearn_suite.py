"""scikit-learn's own MLP test module, run against fastmlp.

The installed ``sklearn/neural_network/tests/test_mlp.py`` is copied with its
import of ``MLPClassifier, MLPRegressor`` pointed at fastmlp and run in a
subprocess: every test scikit-learn writes for its MLP must pass on ours, but
one that is deselected below with its reason.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest
import sklearn

_SOURCE = pathlib.Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"

# test_preserve_feature_names[MLPClassifier] fits a classifier on a target with a single
# class (its subject is feature names); fastmlp rejects single-class targets with a
# ValueError, as LogisticRegression does (issue 5, docs/parity.md)
_DESELECTED = ["test_mlp_on_fastmlp.py::test_preserve_feature_names[MLPClassifier]"]

_CONFTEST = '''
import pytest


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (its conftest is not installed); one seed keeps it fast."""
    return 42
'''


@pytest.mark.skipif(not _SOURCE.exists(), reason="scikit-learn installed without its tests")
def test_sklearn_mlp_test_module_passes_on_fastmlp(tmp_path):
    source = _SOURCE.read_text()
    assert source.count(_IMPORT) == 1, "scikit-learn's test module changed its import"
    (tmp_path / "test_mlp_on_fastmlp.py").write_text(
        source.replace(_IMPORT, "from fastmlp import MLPClassifier, MLPRegressor")
    )
    (tmp_path / "conftest.py").write_text(_CONFTEST)
    root = pathlib.Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W",
         "ignore::DeprecationWarning", str(tmp_path),
         *(f"--deselect={test}" for test in _DESELECTED)],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # the summary line, not the whole output: a warning text may say "failed to converge"
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and not re.search(r"\d+ (failed|error)", summary), summary
