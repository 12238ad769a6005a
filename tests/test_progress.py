"""The optional epoch progress bar and the settings that switch it on."""

import numpy as np
import pytest

import fastmlp
from fastmlp import MLPClassifier, MLPRegressor

# fits of a few epochs: max_iter stops them, on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.default_rng(0).normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)


def test_config_defaults_and_context():
    assert fastmlp.get_config() == {"progress_bar": False}
    with fastmlp.config_context(progress_bar=True):
        assert fastmlp.get_config()["progress_bar"] is True
    assert fastmlp.get_config()["progress_bar"] is False


def test_progress_bar_counts_epochs_and_shows_the_loss(capsys):
    pytest.importorskip("tqdm", reason="the progress bar needs the 'progress' extra")
    with fastmlp.config_context(progress_bar=True):
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=7, tol=0, n_iter_no_change=100,
                              random_state=0).fit(X, y)
    err = capsys.readouterr().err
    assert "MLPClassifier" in err and "7/7" in err
    assert f"loss={model.loss_:.6g}" in err


def test_no_progress_bar_by_default(capsys):
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, X[:, 1])
    assert capsys.readouterr().err == ""


def test_progress_bar_without_tqdm_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError("no tqdm")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with fastmlp.config_context(progress_bar=True):
        with pytest.raises(ImportError, match=r"fastmlp\[progress\]"):
            model.fit(X, y)
    assert not hasattr(model, "coefs_")
