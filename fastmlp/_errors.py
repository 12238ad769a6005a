"""The errors fastmlp raises beyond scikit-learn's own (both are ValueErrors)."""

# scikit-learn's message for a fit that ends with non-finite weights
NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain large values "
    "and need to be preprocessed."
)


class DivergenceError(ValueError):
    """Training produced a non-finite loss, weights or outputs.

    The estimator is left exactly as it was before the call that diverged (a
    fitted model keeps its weights; an unfitted one stays unfitted), so no
    non-finite weight is ever stored.  For a ``partial_fit`` this is the state
    at the end of the previous epoch.  The weights of the last finite epoch of
    the failed run are kept on the exception for inspection.

    Attributes
    ----------
    loss : float
        The non-finite loss (the finite epoch loss if only the weights overflowed,
        inf if the outputs after the last update did).
    n_iter : int
        Number of finite epochs (L-BFGS iterations) completed before divergence.
    coefs_, intercepts_ : list of ndarray or None
        Weights at the end of the last finite epoch of the failed run (None
        for L-BFGS).
    """

    def __init__(self, message, loss=float("nan"), n_iter=0, coefs=None, intercepts=None):
        super().__init__(message)
        self.loss = loss
        self.n_iter = n_iter
        self.coefs_ = coefs
        self.intercepts_ = intercepts


class ZeroWeightBatchError(ValueError, ZeroDivisionError):
    """A minibatch's sample weights sum to zero (a ZeroDivisionError, as in scikit-learn)."""
