"""The carry-over rule, in one place: what is available each year, and what moves on.

``available[t] = envelope[t] + carry_in[t]``, and ``carry_in[t + 1] = available[t] − paid[t]``
for programmes that carry unspent money over (结转), 0 for those whose money lapses (结余).
The engine applies it year by year while rationing; results re-derive ``available`` from the
stored payments with exactly the same floating-point operations, so it need not be stored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["available_by_year", "carry_out"]

Floats = NDArray[np.float64]


def carry_out(available: Floats, paid: Floats, carry_over: Any) -> Floats:
    """Money moving to the next year [unit]: the unspent money where ``carry_over``, else 0."""
    return np.where(carry_over, available - paid, 0.0)


def available_by_year(envelope: Floats, paid: Floats, carry_over: NDArray[np.bool_]) -> Floats:
    """Money available in every draw, programme and year [unit].

    Parameters
    ----------
    envelope
        Envelope by programme and year [unit], shape (programmes, years); NaN when uncapped.
    paid
        Paid by draw, programme and year [unit], shape (draws, programmes, years).
    carry_over
        Whether each programme carries unspent money over, shape (programmes,).

    Examples
    --------
    >>> env = np.array([[10.0, 10.0, 10.0]])
    >>> paid = np.array([[[4.0, 12.0, 10.0]]])
    >>> available_by_year(env, paid, np.array([True]))
    array([[[10., 16., 14.]]])
    """
    available = np.empty(paid.shape)
    carry = np.zeros(paid.shape[:2])
    for y in range(paid.shape[2]):
        available[:, :, y] = envelope[:, y] + carry
        carry = carry_out(available[:, :, y], paid[:, :, y], carry_over)
    return available
