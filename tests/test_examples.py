"""The examples and the ``python -m fastmlp`` demo run and show what they claim."""

import re
import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="example")


def test_gradient_descent_variants_all_learn(capsys):
    curves = _load("gradient_descent_variants")["main"](epochs=5)
    assert len(curves) == 6
    for curve in curves.values():
        assert len(curve) == 5 and curve[-1] < curve[0]
    out = capsys.readouterr().out
    assert "stochastic (s = 1)" in out and "minibatch, sampled" in out


def test_gradient_descent_variants_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    path = tmp_path / "curves.png"
    curves = _load("gradient_descent_variants")["main"](epochs=3, plot=str(path))
    assert len(curves) == 6
    image = path.read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 10_000  # a drawn figure
    assert f"saved to {path}" in capsys.readouterr().out


def test_pipeline_grid_search():
    assert _load("pipeline_grid_search")["main"]() > 0.9


def test_regression_matches_sklearn():
    results = _load("regression")["main"]()
    for loss in ("squared_error", "poisson"):
        assert results[(loss, "fastmlp")] == pytest.approx(results[(loss, "scikit-learn")], abs=1e-6)
    assert results[("squared_error", "fastmlp")] > 0.85


def test_demo_prints_accuracy_beside_sklearn(capsys):
    runpy.run_module("fastmlp", run_name="__main__")
    out = capsys.readouterr().out
    rows = {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^(fastmlp|scikit-learn)\s+([0-9.]+)\s+[0-9.]+\s+\d+$", out, re.M)}
    assert set(rows) == {"fastmlp", "scikit-learn"}
    assert rows["fastmlp"] >= 0.97


def test_dask_grid_search_matches_local_search():
    pytest.importorskip("distributed", reason="the Dask example needs the 'dask' extra")
    import warnings

    from sklearn.base import clone
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning

    on_dask = _load("dask_grid_search")["main"](n_workers=2)
    X, y = load_digits(return_X_y=True)
    local = clone(on_dask)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local.fit(X / 16.0, y)
    assert on_dask.best_params_ == local.best_params_
    assert on_dask.cv_results_["mean_test_score"] == pytest.approx(
        local.cv_results_["mean_test_score"], abs=1e-12
    )


def test_dask_out_of_core_streams_chunks_and_predicts_on_the_workers(capsys):
    pytest.importorskip("distributed", reason="the Dask example needs the 'dask' extra")
    result = _load("dask_out_of_core")["main"](n_rows=40_000, chunk_rows=10_000, passes=2)
    model = result["model"]
    assert model.t_ == 2 * 30_000  # every training chunk, once per pass
    assert result["accuracy"] >= 0.85
    # what the workers predicted is what the fitted model predicts here
    np.testing.assert_allclose(result["probabilities"], model.predict_proba(result["X_test"]),
                               rtol=1e-12, atol=1e-15)
    assert result["accuracy"] == model.score(result["X_test"], result["y_test"])
    assert "predicted on the workers" in capsys.readouterr().out


def test_class_scores_both_losses_learn_digits(capsys):
    models = _load("class_scores")["main"]()
    assert set(models) == {"log-loss (distributions)", "hinge (class scores)"}
    hinge = models["hinge (class scores)"]
    assert hinge.out_activation_ == "identity" and not hasattr(hinge, "predict_proba")
    out = capsys.readouterr().out
    accuracies = [float(a) for a in re.findall(r"test accuracy ([0-9.]+)", out)]
    assert len(accuracies) == 2 and min(accuracies) >= 0.96
    assert "class scores" in out


def test_readme_snippets_run_and_print_what_they_say(capsys):
    """The README's Python blocks, run in order in one namespace (as a reader
    pastes them); the quick start's score is the one its comment quotes, and
    scikit-learn's."""
    pytest.importorskip("skl2onnx", reason="the README's ONNX snippet needs the 'onnx' extra")
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkClassifier

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) >= 4 and any("predict_proba" in block for block in blocks)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a snippet that warns would mislead its reader ...
        warnings.simplefilter("ignore", ConvergenceWarning)  # ... but for scikit-learn's own at max_iter
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)
    score = float(capsys.readouterr().out.split()[0])
    quoted = float(re.search(r"print\(clf\.score\(X_test, y_test\)\)\s+# ([0-9.]+)", readme).group(1))
    assert round(score, 3) == quoted
    X_train, y_train = namespace["X_train"], namespace["y_train"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkClassifier(hidden_layer_sizes=(100,), random_state=0).fit(X_train, y_train)
    assert score == theirs.score(namespace["X_test"], namespace["y_test"])
    assert namespace["onx"].graph.node  # an ONNX graph was made
