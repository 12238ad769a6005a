"""The estimator machinery shared by MLPClassifier and MLPRegressor.

The fit loop reads like scikit-learn's (``sklearn/neural_network``), but every
epoch is a single compiled call (:func:`fastmlp._training.train_epoch`) and all
weights live in one flat vector.  Fitting is transactional: the new weights are
built in fresh buffers and assigned to the estimator only when the fit
succeeds, so a fit that raises -- bad input, divergence
(:class:`DivergenceError`) -- leaves the estimator exactly as it was.  A
KeyboardInterrupt during a stochastic fit keeps the last complete epoch, as
scikit-learn does.
"""

from __future__ import annotations

import operator
import warnings
import weakref
from abc import ABC, abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._cache import prepare_kernel_cache

# numba checks its cache directory when a cache=True kernel is defined, so this
# runs before the first kernel module is imported (fastmlp/__init__ imports none)
prepare_kernel_cache()

from ._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from ._errors import NON_FINITE, DivergenceError, ZeroWeightBatchError
from ._fpu import subnormals_flushed
from ._lbfgs import minimize_lbfgs
from ._linalg import largest_magnitude
from ._losses import LOSSES
from ._network import Network, objective_and_gradient, predict
from ._omp import openmp_threads
from ._optimizers import SGD, make_optimizer
from ._parameters import aligned_copy, glorot_uniform, layer_units, pack, views
from ._progress import EpochProgress
from ._random import first_order, has_first_order, new_random_state
from ._sparse import as_kernel_input, input_dtype, max_abs
from ._stopping import StoppingMixin
from ._threads import MULTITHREAD_MIN_MACS, largest_batch_product, one_thread_for_kernels
from ._training import make_workspace, train_epoch
from ._validation import check_params, check_sample_weight, check_X, check_X_y, plain_predict_input

if TYPE_CHECKING:
    from ._typing import ArrayLike, MatrixLike, Self

_STOCHASTIC_SOLVERS = ("sgd", "adam")
# rows per chunk when predicting: bounds the scratch memory of predict
_PREDICT_CHUNK = 4096


# partial_fit's buffers, kept per estimator for its next call
_kept_workspaces: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
class BaseMultilayerPerceptron(StoppingMixin, BaseEstimator, ABC):
    """Base class for MLP classification and regression (use the subclasses)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean", StrOptions({"sample"})],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    @abstractmethod
    def __init__(
        self, hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
        learning_rate_init, power_t, max_iter, loss, shuffle, random_state, tol, verbose,
        warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
        beta_1, beta_2, epsilon, n_iter_no_change, max_fun,
    ):
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # ------------------------------------------------------------------ weights
    def _codes(self) -> tuple[int, int, int]:
        """Codes of the hidden activation, output activation and loss."""
        loss = self.loss
        if loss == "log_loss" and self.out_activation_ == "logistic":
            loss = "binary_log_loss"
        return (
            HIDDEN_ACTIVATIONS[self.activation],
            OUTPUT_ACTIVATIONS[self.out_activation_],
            LOSSES[loss],
        )

    def _network(self) -> Network:
        return Network(self._layer_sizes, *self._codes())

    def _target_dtype(self, dtype):
        """The dtype the kernels get the (binarized) targets in: the training dtype;
        booleans for the hinge's labels, which selects its loss kernel
        (:func:`fastmlp._losses.output_loss`)."""
        return dtype

    def _packed_params(self) -> np.ndarray:
        """The flat weight vector, rebuilt if the user replaced a layer's array."""
        flat = self.__dict__.get("_params")
        if flat is not None:
            mine_c, mine_i = self._views
            coefs, intercepts = self.coefs_, self.intercepts_
            if (len(coefs) == len(mine_c) and len(intercepts) == len(mine_i)
                    and all(map(operator.is_, coefs, mine_c))
                    and all(map(operator.is_, intercepts, mine_i))):
                return flat
        dtype = np.result_type(*self.coefs_, *self.intercepts_)
        if dtype not in (np.float64, np.float32):
            dtype = np.float64
        return pack(self.coefs_, self.intercepts_, dtype)

    def _set_params_vector(self, params: np.ndarray) -> None:
        coefs, intercepts = views(params, self._layer_sizes)
        self._params = params
        self._views = (tuple(coefs), tuple(intercepts))
        self.coefs_ = coefs
        self.intercepts_ = intercepts

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        state.pop("_params", None)
        state.pop("_views", None)
        return state

    # ------------------------------------------------------------------ forward
    def _forward(self, X, params=None, check_finite=False):
        """Network output for validated X (n_samples × n_features).

        Computed in the wider of X's and the weights' precision, as
        scikit-learn's products are (float64 X on a float32 model gives float64).
        With ``check_finite`` (X validated but for its values), None if X holds
        NaN or infinity: the threads that share a prediction check their rows
        as they take them (:func:`fastmlp._network.predict`).
        """
        if params is None:
            params = self._packed_params()
        if type(X) is np.ndarray and X.dtype == params.dtype and X.flags.c_contiguous:
            # what the lines below would pass on unchanged, without their ~1.5 µs
            return predict(X, params, self._network(), _PREDICT_CHUNK, check_finite)
        dtype = np.result_type(input_dtype(X), params.dtype)
        if dtype != params.dtype:
            params = params.astype(dtype)
        X = as_kernel_input(X, dtype)
        return predict(X, params, self._network(), _PREDICT_CHUNK, check_finite)

    def __sklearn_is_fitted__(self) -> bool:
        # check_is_fitted's default looks through every attribute; coefs_ is set
        # exactly when a fit succeeded
        return "coefs_" in self.__dict__

    def _check_fitted(self):
        """check_is_fitted, skipped (it costs ~15 µs) when the weights are there."""
        if "coefs_" not in self.__dict__:
            check_is_fitted(self)

    def _validate_for_predict(self, X):
        return check_X(self, X)

    def _forward_pass_fast(self, X, check_input=True):
        if not check_input:
            return self._forward(X)
        if plain_predict_input(self, X):
            # the finiteness check goes with the forward pass (shared by MKL's
            # threads for many rows); non-finite values get scikit-learn's error below
            output = self._forward(X, check_finite=True)
            if output is not None:
                return output
        return self._forward(self._validate_for_predict(X))

    # ---------------------------------------------------------------------- fit
    @classmethod
    def _get_param_names(cls):
        # scikit-learn reads __init__'s signature on every call (~0.3 ms; get_params,
        # clone and every fit's parameter check); it cannot change, so read it once
        names = cls.__dict__.get("_param_names")
        if names is None:
            names = tuple(super()._get_param_names())
            cls._param_names = names
        return list(names)

    def _validate_params(self):
        check_params(self)

    @contextmanager
    def _transaction(self):
        """Restore every attribute if the body raises, divergence included.

        Attributes are replaced, never mutated in place, while fitting (lists
        and optimizer state are copied first), so a shallow snapshot suffices.
        """
        saved = self.__dict__.copy()
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit(self, X, y, sample_weight=None, incremental=False):
        if incremental:
            # scikit-learn's _fit_context skips this for partial_fit on a fitted model
            self._validate_params()
        with self._transaction():
            return self._fit_unsafe(X, y, sample_weight, incremental)

    def _fit_unsafe(self, X, y, sample_weight, incremental):
        hidden = self.hidden_layer_sizes
        if not hasattr(hidden, "__iter__"):
            hidden = [hidden]
        hidden = list(hidden)
        # InvalidParameterError is both a ValueError and a TypeError (scikit-learn
        # raises a TypeError for non-integer sizes, a ValueError for sizes <= 0)
        if any(not isinstance(h, Integral) or isinstance(h, bool) for h in hidden):
            raise InvalidParameterError(f"hidden_layer_sizes must be integers, got {hidden}.")
        if any(h <= 0 for h in hidden):
            raise InvalidParameterError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        if incremental:
            self._check_solver()

        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y, x_magnitude = check_X_y(self, X, y, reset=first_pass, y_numeric=self._y_numeric)
        y = self._validate_targets(y, incremental)
        sw = check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        Y = np.ascontiguousarray(y, dtype=self._target_dtype(X.dtype))

        if incremental and not first_pass and has_first_order(self.random_state, X.shape[0]):
            self._random_state = None  # nothing to draw but the order: see _shuffled
        else:
            self._random_state = new_random_state(self.random_state)
        sizes = layer_units(X.shape[1], hidden, Y.shape[1])
        if first_pass:
            self._initialize(Y, sizes)
            params = glorot_uniform(sizes, self.activation, self._random_state, X.dtype)
        else:
            params = self._packed_params()
            self._check_warm_shapes(sizes)
            params = aligned_copy(params, X.dtype)
        self._layer_sizes = sizes

        if self.solver in _STOCHASTIC_SOLVERS:
            params = self._fit_stochastic(X, Y, sw, params, sizes, incremental, x_magnitude)
        else:
            params = self._fit_lbfgs(X, Y, sw, params)
        self._set_params_vector(params)
        return self

    def _check_warm_shapes(self, sizes):
        expected = [(int(a), int(b)) for a, b in zip(sizes[:-1], sizes[1:])]
        got = [tuple(c.shape) for c in self.coefs_]
        got_b = [int(np.size(b)) for b in self.intercepts_]
        if got != expected or got_b != [b for _, b in expected]:
            raise ValueError(
                f"warm_start / partial_fit need coefs_ of shapes {expected} and intercepts_ of "
                f"sizes {[b for _, b in expected]} for this data and hidden_layer_sizes, got "
                f"{got} and {got_b}."
            )

    def _initialize(self, Y, sizes):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(sizes)
        if not is_classifier(self):
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:
            self.out_activation_ = "logistic"
        self.__dict__.pop("_optimizer", None)
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
        return min(max(int(self.batch_size), 1), n_samples)

    def _workspace(self, X, sizes, batch_size, params, compiled, threads, incremental):
        """The fit's buffers; partial_fit on dense data keeps them for its next call
        (scratch memory, outside the estimator's state)."""
        target_dtype = self._target_dtype(params.dtype)
        shape = (tuple(sizes.tolist()), batch_size, params.size, params.dtype, compiled, threads,
                 target_dtype)
        kept = _kept_workspaces.get(self)
        if kept is not None and kept[0] == shape and incremental and type(X) is np.ndarray:
            return kept[1]
        work = make_workspace(sizes, batch_size, params.size, params.dtype, X=X, compiled=compiled,
                              threads=threads, target_dtype=target_dtype,
                              repeats=self.shuffle == "sample")
        if incremental and type(X) is np.ndarray:
            _kept_workspaces[self] = (shape, work)
        else:
            _kept_workspaces.pop(self, None)
        return work

    def _shuffled(self, sample_idx):
        """sample_idx in a new order, drawn as sklearn.utils.shuffle draws it (one
        RandomState.shuffle of the positions), without its ~0.5 ms of checks."""
        if self._random_state is None:
            # a later partial_fit: it reseeds on every call, as scikit-learn's does, and
            # draws nothing but this one epoch's order, so the order is the same on
            # every call with as many samples (sample_idx is still arange(n))
            return first_order(int(self.random_state), sample_idx.size).copy()
        self._random_state.shuffle(sample_idx)  # permutes it as sample_idx[permutation]
        return sample_idx

    def _sampled(self, n_samples):
        """An epoch of the lecture's *sampled* descent (``shuffle="sample"``):
        ``n_samples`` indices drawn uniformly at random with replacement, so
        every minibatch is a random sample of the whole training set."""
        if self._random_state is None:  # a later partial_fit (see _shuffled)
            self._random_state = new_random_state(self.random_state)
        return self._random_state.randint(n_samples, size=n_samples).astype(np.int64, copy=False)

    def _fit_stochastic(self, X, Y, sw, params, sizes, incremental, x_magnitude=None):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        previous = self.__dict__.get("_optimizer")
        if incremental and previous is not None and previous.state.size == (
            2 if previous.code != SGD else 1
        ) * params.size:
            opt = previous._replace(state=previous.state.astype(X.dtype), step=previous.step.copy(),
                                    hyper=previous.hyper.copy())
        else:
            opt = make_optimizer(
                self.solver, params.size, X.dtype, learning_rate_init=self.learning_rate_init,
                momentum=self.momentum, nesterovs_momentum=self.nesterovs_momentum,
                beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
            )
        # attributes that the loop appends to are copied, so a failed fit can roll back
        self.loss_curve_ = list(getattr(self, "loss_curve_", None) or [])
        if getattr(self, "validation_scores_", None) is not None:
            self.validation_scores_ = list(self.validation_scores_)

        X_val = y_val = sw_val = None
        if self.early_stopping:
            from sklearn.model_selection import train_test_split  # lazily: slow to import

            # stratified on the binarized labels, as scikit-learn does (single output only)
            stratify = Y.astype(bool) if (is_classifier(self) and self.n_outputs_ == 1) else None
            X, X_val, Y, Y_val, sw, sw_val = train_test_split(
                X, Y, sw, random_state=self._random_state,
                test_size=self.validation_fraction, stratify=stratify,
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )
            y_val = self._decode_output(Y_val)
            Y, sw = np.ascontiguousarray(Y), np.ascontiguousarray(sw)
            best_params = params.copy()
        X = as_kernel_input(X, X.dtype)

        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)
        net = self._network()
        # small products run faster on one BLAS thread (and leave the other core free),
        # fastest as MKL-generated code for their shapes
        one_blas_thread = largest_batch_product(sizes, batch_size) < MULTITHREAD_MIN_MACS
        threads = 1 if one_blas_thread else openmp_threads()
        work = self._workspace(X, sizes, batch_size, params, one_blas_thread, threads, incremental)
        sample_idx = np.arange(n_samples, dtype=np.int64)
        alpha = float(self.alpha)
        epoch_start = None  # state before the running epoch, until it is recorded
        progress = EpochProgress(1 if incremental else self.max_iter, type(self).__name__)
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle == "sample":
                    sample_idx = self._sampled(n_samples)
                elif self.shuffle:
                    sample_idx = self._shuffled(sample_idx)
                epoch_start = (params.copy(), opt.state.copy(), opt.step.copy(), self.n_iter_,
                               self.t_, len(self.loss_curve_))
                try:
                    with one_thread_for_kernels(enabled=one_blas_thread), subnormals_flushed():
                        loss = train_epoch(X, Y, sw, sample_idx, batch_size, params, net, opt,
                                           work, alpha)
                except ZeroDivisionError:
                    remedy = ("Use a larger batch_size" if self.shuffle == "sample"
                              else "Use shuffle=True or a larger batch_size")
                    raise ZeroWeightBatchError(
                        "The sample weights of a minibatch sum to zero, so its loss cannot be "
                        f"normalised. {remedy}, or drop the samples of zero weight."
                    ) from None
                if not (np.isfinite(loss) and np.isfinite(largest_magnitude(params))):
                    if self.early_stopping:
                        # scikit-learn records the epoch with a NaN validation score and
                        # keeps the best weights; fastmlp also stops at once
                        params[:] = epoch_start[0]
                        self._diverged_with_early_stopping(loss, n_samples)
                        break
                    self._diverged(X, epoch_start[0], loss, self.n_iter_ + 1)
                self.n_iter_ += 1
                self.loss_ = float(loss)
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                last_start, epoch_start = epoch_start[0], None
                progress.update(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))

                if self.early_stopping:
                    if self._update_validation(X_val, y_val, sw_val, params):
                        best_params = params.copy()
                else:
                    self._update_training_loss()
                self._end_epoch(opt)

                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if self.early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={self.tol:f} for "
                        f"{self.n_iter_no_change} consecutive epochs."
                    )
                    if self._trigger_stopping(opt, msg):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                        "optimization hasn't converged yet." % self.max_iter,
                        ConvergenceWarning,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
            if epoch_start is not None:  # drop the partial update of the interrupted epoch
                params[:], opt.state[:], opt.step[:], self.n_iter_, self.t_, n = epoch_start
                del self.loss_curve_[n:]
        finally:
            progress.close()
        self._optimizer = opt
        final = best_params if self.early_stopping else params
        # the last update is checked by no later loss: make sure it cannot overflow the outputs
        if self.n_iter_ and self._may_overflow(X, final, x_magnitude) and not np.isfinite(
            self._forward(X, final)
        ).all():
            self._diverged(X, last_start, np.inf, self.n_iter_, "the network's outputs overflowed")
        return final

    def _fit_lbfgs(self, X, Y, sw, params):
        from sklearn.utils.optimize import _check_optimize_result  # lazily: imports scipy.optimize

        objective = self._full_batch_objective(X, Y, sw, params.size, params.dtype)
        buffer = np.empty_like(params)

        def loss_and_grad(p):  # scipy's float64 vector in, the kernels' dtype inside
            buffer[:] = p
            loss, grads = objective(buffer)
            return loss, grads.astype(np.float64)

        result = minimize_lbfgs(
            loss_and_grad, params.astype(np.float64), max_iter=self.max_iter,
            max_fun=self.max_fun, tol=self.tol,
        )
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = float(result.fun)
        if not np.isfinite(result.x).all() or not np.isfinite(self.loss_):
            self._set_params_vector(params)
            raise DivergenceError(
                f"{NON_FINITE} Training diverged: L-BFGS ended with non-finite weights or loss "
                f"({self.loss_}). The estimator was left as it was before this call. The input "
                f"data may contain large values (largest |X| = {max_abs(X):.3g}) and need "
                "to be preprocessed (e.g. StandardScaler).",
                loss=self.loss_, n_iter=self.n_iter_,
            )
        return result.x.astype(params.dtype)

    def _loss_grad_lbfgs(self, packed_coef_inter, X, y, sample_weight=None, *workspace):
        """scikit-learn's private objective hook, kept for code that calls it.

        The regularised loss and its packed gradient at ``packed_coef_inter`` for
        validated X and binarized 2-D y, computed by the compiled kernels; like
        scikit-learn's, it sets ``coefs_`` / ``intercepts_`` to the given vector.
        scikit-learn's workspace arguments are accepted and not needed.
        """
        params = np.array(packed_coef_inter, dtype=np.float64)
        Y = np.ascontiguousarray(np.reshape(y, (X.shape[0], -1)),
                                 dtype=self._target_dtype(params.dtype))
        sw = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
        objective = self._full_batch_objective(X, Y, np.ascontiguousarray(sw), params.size,
                                               params.dtype)
        loss, grads = objective(params)
        self._set_params_vector(params)
        return loss, grads.copy()

    def _full_batch_objective(self, X, Y, sw, n_params, dtype):
        """The regularised objective over all of X as a function of the flat parameter
        vector: ``objective(params) -> (loss, gradient)``, the gradient in a buffer
        that the next call overwrites (one workspace for all calls)."""
        net = self._network()
        X = as_kernel_input(X, dtype)
        work = make_workspace(self._layer_sizes, X.shape[0], n_params, dtype, X=X,
                              full_batch=True, target_dtype=self._target_dtype(dtype))
        alpha = float(self.alpha)

        def objective(params):
            with subnormals_flushed():
                loss = objective_and_gradient(X, Y, sw, params, work.grads, net, work.acts,
                                              work.deltas, work.kernels, alpha)
            return loss, work.grads

        return objective

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Returns a trained MLP model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                "%s is not stochastic." % self.solver
            )
        return True

    def _score_output(self, output, y, sample_weight):
        """Score network ``output`` against ``y`` (accuracy or R²); NaN if the decoded
        prediction is non-finite, as in scikit-learn."""
        y_pred = self._decode_output(output)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @abstractmethod
    def _validate_targets(self, y, incremental): ...

    @abstractmethod
    def _decode_output(self, output): ...

