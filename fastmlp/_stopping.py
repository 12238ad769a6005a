"""When stochastic training stops, and what a diverged fit raises.

A mixin of the estimators' base class: scikit-learn's stopping rules (no
improvement of the training loss or of the validation score by ``tol`` for
``n_iter_no_change`` epochs; the 'invscaling' and 'adaptive' learning rates)
and fastmlp's divergence handling (DivergenceError naming the likely cause; a
bound that proves the outputs cannot overflow).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._errors import NON_FINITE, DivergenceError
from ._linalg import largest_magnitude
from ._optimizers import LR, SGD
from ._parameters import views
from ._sparse import max_abs


class StoppingMixin:
    """Stopping criteria and divergence handling of the stochastic solvers."""

    def _may_overflow(self, X, params, x_magnitude=None) -> bool:
        """False if a bound proves that no output for inputs in X's range can
        overflow; True if that cannot be shown.  ``x_magnitude`` is max |X| (or a
        bound on it) if already known.

        The bound, layer by layer: every unit's |z| ≤ fan_in · w · (largest |input|)
        + w, with w the largest |weight| (one pass over the weights), and hidden
        activations satisfy |f(z)| ≤ |z|.
        """
        limit = float(np.finfo(params.dtype).max) / 16
        largest = largest_magnitude(params)
        bound = float(max_abs(X) if x_magnitude is None else x_magnitude)
        for fan_in in self._layer_sizes[:-1].tolist():
            bound = bound * fan_in * largest + largest  # Python floats: inf, no warning
            if not bound < limit:
                return True
        return self.out_activation_ == "exp" and not bound < np.log(limit)

    def _diverged(self, X, last_finite, loss, epoch, what=None):
        """Raise DivergenceError naming the likely cause (the caller rolls back)."""
        coefs, intercepts = views(last_finite, self._layer_sizes)
        if what is None:
            what = f"the loss became {loss}" if not np.isfinite(loss) else "the weights overflowed"
        raise DivergenceError(
            f"{NON_FINITE} Training diverged: {what} in epoch {epoch}. The estimator was left as it was "
            f"before this call. Likely causes: learning_rate_init={self.learning_rate_init:g} "
            f"is too large for this data, or the input data may contain large values "
            f"(largest |X| = {max_abs(X):.3g}) and need to be preprocessed (e.g. "
            "StandardScaler).",
            loss=float(loss), n_iter=epoch - 1, coefs=coefs, intercepts=intercepts,
        )

    def _diverged_with_early_stopping(self, loss, n_samples):
        """Record a diverged epoch as scikit-learn does (its loss, a NaN validation
        score) and stop: the best weights so far are the result."""
        self.n_iter_ += 1
        self.t_ += n_samples
        self.loss_ = float(loss)
        self.loss_curve_.append(self.loss_)
        self.validation_scores_.append(np.nan)
        if self.verbose:
            print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
            print("Validation score: %f" % np.nan)
        warnings.warn(
            f"Training diverged: the loss became {loss} in epoch {self.n_iter_}. Training "
            "stopped; the weights with the best validation score were kept.",
            ConvergenceWarning,
        )

    def _update_training_loss(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _update_validation(self, X_val, y_val, sw_val, params):
        """Record the validation score; return True if it is the best so far."""
        score = self._score_output(self._forward(X_val, params), y_val, sw_val)
        self.validation_scores_.append(score)
        if self.verbose:
            print("Validation score: %f" % score)
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            return True
        return False

    def _end_epoch(self, opt):
        if opt.code == SGD and self.learning_rate == "invscaling":
            opt.hyper[LR] = float(self.learning_rate_init) / (self.t_ + 1) ** self.power_t

    def _trigger_stopping(self, opt, msg):
        if opt.code != SGD or self.learning_rate != "adaptive":
            if self.verbose:
                print(msg + " Stopping.")
            return True
        if opt.hyper[LR] <= 1e-6:
            if self.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        opt.hyper[LR] /= 5.0
        if self.verbose:
            print(msg + " Setting learning rate to %f" % opt.hyper[LR])
        return False
