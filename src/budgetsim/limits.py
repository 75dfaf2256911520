"""No double-dipping (从新、从优、不重复): limits on what one applicant gets across programmes.

A limit applies to programmes that pay the same applicants (one population) in the same year,
on their entitlements before rationing: an exclusive limit keeps only each applicant's most
favourable entitlement (从优), and a cumulative cap bounds the sum of its entitlements, taken
in the order the programmes are listed.
"""

from __future__ import annotations

from collections.abc import MutableSequence, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["apply_limit"]

Floats = NDArray[np.float64]


def apply_limit(
    entitlements: MutableSequence[Floats],
    members: Sequence[int],
    exclusive: bool,
    cap: float | None,
) -> None:
    """Apply one limit in place to the entitlements of its member programmes [unit].

    Parameters
    ----------
    entitlements
        Entitlement arrays by programme index, all over the same applicants for ``members``.
    members
        Programme indices, in the limit's order (ties and the cap follow it).
    exclusive
        Keep only the largest entitlement of each applicant (the first listed on ties).
    cap
        Upper bound on each applicant's entitlements together [unit], or None.

    Examples
    --------
    >>> ents = [np.array([10.0, 5.0, 0.0]), np.array([8.0, 5.0, 3.0])]
    >>> apply_limit(ents, [0, 1], exclusive=True, cap=None)
    >>> ents
    [array([10.,  5.,  0.]), array([0., 0., 3.])]
    >>> ents = [np.array([10.0, 5.0]), np.array([8.0, 5.0])]
    >>> apply_limit(ents, [0, 1], exclusive=False, cap=12.0)
    >>> ents
    [array([10.,  5.]), array([2., 5.])]
    """
    stack = np.stack([entitlements[p] for p in members])
    if exclusive and stack.shape[1]:
        best = np.argmax(stack, axis=0)  # the first maximum: ties go to the first listed
        stack = np.where(np.arange(len(members))[:, None] == best[None, :], stack, 0.0)
    if cap is not None:
        used = np.zeros(stack.shape[1])
        for row in stack:
            np.minimum(row, np.maximum(cap - used, 0.0), out=row)
            used += row
    for row, p in zip(stack, members, strict=True):
        entitlements[p] = row
