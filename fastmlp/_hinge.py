"""HingeMLPClassifier: an MLP trained on class scores with the hinge loss.

The lecture names two kinds of classification loss: those that compare
distributions (MLPClassifier's log-loss of its softmax or logistic output)
and those over the raw scores of the classes.  This estimator is the second
kind: its output layer is the identity, the k output units give a score per
class, and training minimises the multiclass hinge max(0, 1 − (o_t − o_r))
(the true class's score against its strongest rival's, Crammer and Singer);
for two classes and for multilabel targets, the binary hinge max(0, 1 − s·o)
per output unit (s = ±1).  The kernels are MLPClassifier's; only the loss and
its output delta differ (:mod:`fastmlp._losses`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils.metaestimators import available_if

from ._classifier import MLPClassifier
from ._losses import LOSSES

if TYPE_CHECKING:
    from ._typing import MatrixLike


def _no_probabilities(estimator):
    raise AttributeError(
        f"{type(estimator).__name__} has no predict_proba or predict_log_proba: the hinge "
        "loss trains class scores, not probabilities. Use decision_function for the scores, "
        "or MLPClassifier for probabilities."
    )


class HingeMLPClassifier(MLPClassifier):
    """Multi-layer perceptron classifier trained on class scores with the hinge loss.

    The parameters, attributes, solvers and methods are
    :class:`fastmlp.MLPClassifier`'s (so it works in pipelines, grid searches,
    with ``partial_fit``, sample weights, early stopping and sparse input), with
    these differences:

    - the output units give raw class scores (``out_activation_ = 'identity'``),
      returned by :meth:`decision_function`;
    - the loss is the multiclass hinge max(0, 1 − (o_t − max_{i≠t} o_i)) for
      more than two classes, and the binary hinge max(0, 1 − s·o) (s = +1 for
      the positive label, −1 otherwise) for two classes (one output unit) and
      for each label of a multilabel target; ``loss_`` and ``loss_curve_`` are
      its mean over the samples (weighted by ``sample_weight``) plus the L2
      term, as for MLPClassifier;
    - ``predict`` takes the highest score, or the sign of each score;
    - there is no ``predict_proba``: hinge scores are not probabilities
      (as in scikit-learn's ``SGDClassifier(loss='hinge')``).

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, \
learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose, \
warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction, \
beta_1, beta_2, epsilon, n_iter_no_change, max_fun
        As in :class:`fastmlp.MLPClassifier`.

    Attributes
    ----------
    classes_, loss_, best_loss_, loss_curve_, validation_scores_, \
best_validation_score_, t_, coefs_, intercepts_, n_features_in_, \
feature_names_in_, n_iter_, n_layers_, n_outputs_
        As in :class:`fastmlp.MLPClassifier`.
    out_activation_ : str
        Always 'identity': the outputs are class scores.

    Examples
    --------
    >>> from fastmlp import HingeMLPClassifier
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=200, n_classes=3, n_informative=4, random_state=1)
    >>> clf = HingeMLPClassifier(random_state=1, max_iter=300).fit(X, y)
    >>> clf.decision_function(X[:2]).shape
    (2, 3)
    """

    _loss_name = "hinge"
    _decision_threshold = 0.0  # a positive score predicts the label

    def _initialize(self, Y, sizes):
        super()._initialize(Y, sizes)
        self.out_activation_ = "identity"

    def _target_dtype(self, dtype):
        return np.bool_

    def _codes(self) -> tuple[int, int, int]:
        hidden, output, _ = super()._codes()
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        return hidden, output, LOSSES["hinge" if multiclass else "binary_hinge"]

    def decision_function(self, X: MatrixLike) -> np.ndarray:
        """The class scores of the output layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One score per class (per label for multilabel targets); for two
            classes the positive class's score, > 0 where it is predicted.
        """
        self._check_fitted()
        scores = self._forward_pass_fast(X)
        return scores.ravel() if self.n_outputs_ == 1 else scores

    @available_if(_no_probabilities)
    def predict_proba(self, X):
        """Not available: hinge scores are not probabilities (see the class docstring)."""

    @available_if(_no_probabilities)
    def predict_log_proba(self, X):
        """Not available: hinge scores are not probabilities (see the class docstring)."""
