"""MLPClassifier: scikit-learn's multi-layer perceptron classifier, compiled."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels

from ._base import BaseMultilayerPerceptron

if TYPE_CHECKING:
    from ._typing import ArrayLike, MatrixLike, Self


class MLPClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's.

    Optimises the log-loss (softmax output for several classes, logistic output
    for two classes and for multilabel targets) with stochastic gradient
    descent, Adam or L-BFGS.  Parameters, attributes and results follow
    :class:`sklearn.neural_network.MLPClassifier`; with the same
    ``random_state`` the initial weights are the same as scikit-learn's.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'hardtanh', 'relu'}, default='relu'
        Hidden-layer activation.  'hardtanh' (clip(z, −1, 1)) is an addition
        to scikit-learn's set.
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The weight optimiser.
    alpha : float, default=1e-4
        Strength of the L2 penalty (divided by the sum of sample weights).
    batch_size : int or 'auto', default='auto'
        Minibatch size; 'auto' is min(200, n_samples).  1 gives stochastic and
        n_samples batch gradient descent.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule for 'sgd'.
    learning_rate_init : float, default=1e-3
        Initial step size for 'sgd' and 'adam'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs (iterations for 'lbfgs').
    shuffle : bool or 'sample', default=True
        Whether to shuffle the samples every epoch. ``'sample'`` (a fastmlp
        addition) draws every minibatch at random from the whole training set
        instead, with replacement (the lecture's sampled stochastic and
        minibatch descent); an epoch is then ``n_samples`` draws.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling (or sampling) and the validation split.
    tol : float, default=1e-4
        Tolerance for the stopping criterion.
    verbose : bool, default=False
        Print the loss every epoch.
    warm_start : bool, default=False
        Continue from the current ``coefs_`` and ``intercepts_``.
    momentum : float, default=0.9
        Momentum of 'sgd'.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd'.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop when
        its accuracy stops improving; the best weights are kept.
    validation_fraction : float, default=0.1
        Size of the validation set for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of the first and second moments.
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping.
    max_fun : int, default=15000
        Maximum number of loss evaluations for 'lbfgs'.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    loss_ : float
        The last loss (data loss plus the L2 term, as scikit-learn computes it).
    best_loss_ : float or None
        Minimum loss reached (None with early stopping).
    loss_curve_ : list of float
        Loss per epoch.
    validation_scores_ : list of float or None
        Validation accuracy per epoch (early stopping only).
    best_validation_score_ : float or None
        Best validation accuracy (early stopping only).
    t_ : int
        Number of training samples seen.
    coefs_ : list of ndarray
        Weight matrices, views into one flat parameter vector.
    intercepts_ : list of ndarray
        Bias vectors, views into the same vector.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X had string column names.
    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        Output activation: 'softmax' or 'logistic'.

    Examples
    --------
    >>> from fastmlp import MLPClassifier
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=200, random_state=1)
    >>> clf = MLPClassifier(random_state=1, max_iter=300).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
        batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
        max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
        warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
        validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
        n_iter_no_change=10, max_fun=15000,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            loss=self._loss_name, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
        )

    _y_numeric = False
    _loss_name = "log_loss"  # (fastmlp.HingeMLPClassifier: "hinge")
    # an output unit above this predicts its label (probabilities; the hinge's scores: 0)
    _decision_threshold = 0.5

    def _validate_targets(self, y, incremental):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            if _plain_labels(y):
                binarizer = _fitted_binarizer(_sorted_classes(y))
            else:
                binarizer = LabelBinarizer().fit(y)
            if len(binarizer.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {binarizer.classes_[0]!r}"
                )
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        else:
            classes = _sorted_classes(y) if _plain_labels(y) else unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif not set(classes.tolist()).issubset(self.classes_.tolist()):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return _indicator(self._label_binarizer, y)

    def _decode_output(self, output):
        if self.n_outputs_ == 1:
            output = output.ravel()
        binarizer = self._label_binarizer
        if not binarizer.sparse_input_ and binarizer.neg_label == 0 and binarizer.pos_label == 1:
            # LabelBinarizer.inverse_transform's rules without its ~50 µs of checks
            if binarizer.y_type_ == "multiclass":
                return binarizer.classes_.take(output.argmax(axis=1), mode="clip")
            if binarizer.y_type_ == "binary" and output.ndim == 1:
                return binarizer.classes_[(output > self._decision_threshold).astype(int)]
        return binarizer.inverse_transform(output, threshold=self._decision_threshold)

    def _score_function(self, y_true, y_pred, sample_weight=None):
        from sklearn.metrics import accuracy_score  # lazily: sklearn.metrics takes ~0.1 s to import

        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        self._check_fitted()
        return self._decode_output(self._forward_pass_fast(X))

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None,
                    classes: ArrayLike | None = None) -> Self:
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            All classes across the calls; required on the first call.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        with self._transaction():
            if _check_partial_fit_first_call(self, classes):
                self._label_binarizer = LabelBinarizer()
                with np.errstate(invalid="ignore"):  # NaN in y: its ValueError, no cast warning
                    target_type = type_of_target(y)
                if target_type.startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)
                if len(self._label_binarizer.classes_) < 2:
                    raise ValueError(
                        f"{type(self).__name__} needs at least 2 classes, but `classes` holds "
                        f"only one: {self._label_binarizer.classes_[0]!r}"
                    )
            return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """Return the log of the probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, ordered as in ``classes_``.
        """
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            Probability of each class, ordered as in ``classes_``.
        """
        self._check_fitted()
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _plain_labels(y) -> bool:
    """True for a 1-d array of integers or booleans: labels that type_of_target
    calls 'binary' or 'multiclass' without looking at the values."""
    return isinstance(y, np.ndarray) and y.ndim == 1 and (y.dtype.kind in "iub")


def _sorted_classes(y: np.ndarray) -> np.ndarray:
    """``np.unique(y)`` for plain labels; by counting when they are small
    non-negative integers (~20 µs instead of a ~300 µs sort for 10,000 labels)."""
    countable = y.dtype.kind == "i" or (y.dtype.kind == "u" and y.dtype.itemsize < 8)
    if y.size and countable:
        low, high = y.min(), y.max()
        if low >= 0 and high <= 2 * y.size + 1024:  # at most ~16 bytes of counts per label
            return np.flatnonzero(np.bincount(y)).astype(y.dtype)
    return np.unique(y)


def _fitted_binarizer(classes: np.ndarray) -> LabelBinarizer:
    """``LabelBinarizer().fit(classes)`` for sorted unique integer labels, without its
    ~1.5 ms of target-type checks (tests/test_parity_api.py compares every attribute)."""
    binarizer = LabelBinarizer()
    binarizer.y_type_ = "binary" if len(classes) <= 2 else "multiclass"
    binarizer.sparse_input_ = False
    binarizer.classes_ = classes
    return binarizer


def _indicator(binarizer: LabelBinarizer, y) -> np.ndarray:
    """``binarizer.transform(y).astype(bool)``; for plain labels by a lookup.

    (LabelBinarizer.transform re-derives the target type and builds a sparse
    matrix first: ~5 ms for 10,000 labels, a large part of a short fit.)
    """
    classes = binarizer.classes_
    if (_plain_labels(y) and binarizer.y_type_ in ("binary", "multiclass")
            and not binarizer.sparse_input_ and classes.dtype.kind in "iub" and len(classes)):
        if classes[0] == 0 and classes[-1] == len(classes) - 1:  # 0 … k−1: the labels are indices
            index = y.astype(np.intp)
            known = y.size == 0 or (y.min() >= 0 and y.max() < len(classes))
        else:
            index = np.searchsorted(classes, y)
            known = np.array_equal(classes[np.minimum(index, len(classes) - 1)], y)
        if known:
            if binarizer.y_type_ == "binary":
                return (index == 1).reshape(-1, 1)
            Y = np.zeros((len(y), len(classes)), dtype=bool)
            Y[np.arange(len(y)), index] = True
            return Y
    return binarizer.transform(y).astype(bool)
