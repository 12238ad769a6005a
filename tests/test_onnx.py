"""ONNX export through skl2onnx: the exported graph predicts what the model does.

Every estimator × hidden activation × target kind, in float64 and float32, run by
onnxruntime against predict / predict_proba / decision_function.
"""

import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fastmlp import HingeMLPClassifier, MLPClassifier, MLPRegressor, register_onnx_converters

skl2onnx = pytest.importorskip("skl2onnx", reason="the onnx extra (skl2onnx) is not installed")
rt = pytest.importorskip("onnxruntime", reason="the onnx extra (onnxruntime) is not installed")

ACTIVATIONS = ["identity", "logistic", "tanh", "hardtanh", "relu"]
rng = np.random.default_rng(0)
X = rng.normal(size=(120, 5))
CLASSES = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
TARGETS = {
    "multiclass": CLASSES,
    "binary": CLASSES == 1,
    "strings": np.array(["cat", "dog", "emu"])[CLASSES],
    "multilabel": np.c_[CLASSES == 0, CLASSES == 2, X[:, 2] > 0].astype(int),
}


@pytest.fixture(scope="module", autouse=True)
def converters():
    register_onnx_converters()


def _run(model, X, options=None):
    onx = skl2onnx.to_onnx(model, X[:1], options=options)
    session = rt.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _tolerance(dtype):
    return {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("estimator, second_output", [(MLPClassifier, "predict_proba"),
                                                      (HingeMLPClassifier, "decision_function")])
def test_classifier_labels_and_probabilities_or_scores(estimator, second_output, activation,
                                                       target, dtype):
    Xd = X.astype(dtype)
    model = _fit(estimator((6,), activation=activation, max_iter=40, random_state=0),
                 Xd, TARGETS[target])
    labels, second = _run(model, Xd, {id(model): {"zipmap": False}})
    np.testing.assert_array_equal(labels, model.predict(Xd))
    expected = getattr(model, second_output)(Xd)
    np.testing.assert_allclose(second.reshape(expected.shape), expected, **_tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss, n_outputs", [("squared_error", 1), ("squared_error", 2),
                                             ("poisson", 1)])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_regressor_predictions(activation, loss, n_outputs, dtype):
    Xd = X.astype(dtype)
    y = np.exp(X[:, :n_outputs] / 2) if loss == "poisson" else X[:, :n_outputs] * 2 + 1
    model = _fit(MLPRegressor(loss=loss, hidden_layer_sizes=(6,), activation=activation,
                              max_iter=40, random_state=0), Xd, y.squeeze())
    (predictions,) = _run(model, Xd)
    assert predictions.shape == (X.shape[0], n_outputs)
    expected = model.predict(Xd).reshape(-1, n_outputs)
    np.testing.assert_allclose(predictions, expected, **_tolerance(dtype))


def test_pipeline_with_zipmap_and_class_indices():
    """Default options: probabilities as a list of {label: p} maps, as skl2onnx gives
    them for scikit-learn's classifiers; ``nocl``: class indices instead of labels."""
    y = TARGETS["strings"]
    pipeline = _fit(make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=60,
                                                                   random_state=0)), X, y)
    labels, maps = _run(pipeline, X.astype(np.float32))
    np.testing.assert_array_equal(labels, pipeline.predict(X))
    probabilities = pipeline.predict_proba(X)
    assert [sorted(m) for m in maps[:2]] == [sorted(pipeline.classes_)] * 2
    np.testing.assert_allclose([[m[c] for c in pipeline.classes_] for m in maps], probabilities,
                               rtol=1e-4, atol=1e-5)
    model = pipeline[-1]
    indices, _ = _run(model, X, {id(model): {"zipmap": False, "nocl": True}})
    np.testing.assert_array_equal(indices, np.searchsorted(model.classes_, model.predict(X)))


def test_without_skl2onnx_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "skl2onnx", None)  # as if not installed
    with pytest.raises(ImportError, match=r"fastmlp\[onnx\]"):
        register_onnx_converters()
