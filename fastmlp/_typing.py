"""Type aliases of the public API's annotations.

Imported by type checkers only (under ``typing.TYPE_CHECKING``): the estimators'
modules postpone their annotations (``from __future__ import annotations``), so
importing fastmlp evaluates none of them and imports nothing for them.
"""

import sys
from typing import TypeAlias

from numpy.typing import ArrayLike
from scipy.sparse import sparray, spmatrix

if sys.version_info >= (3, 11):
    from typing import Self
else:  # (type checkers bring typing_extensions along)
    from typing_extensions import Self

MatrixLike: TypeAlias = ArrayLike | spmatrix | sparray
"""X: an array-like (ndarray, list, pandas DataFrame, ...) or a scipy.sparse matrix."""

__all__ = ["ArrayLike", "MatrixLike", "Self"]
