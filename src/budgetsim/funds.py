"""Funds: the money capped programmes draw on, year by year, and what moves on.

Every capped programme draws on a fund. Most have their own envelope (a fund with one member,
named after the programme); a shared fund (资金池) has several members that draw on one envelope
either in a stated priority order or pro rata to their demand. Each year

``available[t] = envelope[t] + carry_in[t]``, and ``carry_in[t + 1] = available[t] − paid[t]``

for funds that carry unspent money over (结转), 0 for those whose money lapses (结余). An
envelope stated as a range (三年安排1000-1500万元) is an uncertain input: each draw takes its
total from a distribution over the range.

This module is the one place these rules live. The engine applies :func:`fund_year` while
rationing; :func:`ledger` re-derives every fund's money from the stored demand and payments
with exactly the same floating-point operations, once per result, so it need not be stored.
The optimisers state the same rule over many draws at once: :func:`carry_matrix` (which years'
envelopes pay a year's claims), :func:`cumulative`, and per pool :func:`pool_demand` and
:func:`pool_carry_over`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from budgetsim.streams import stream

__all__ = [
    "BLOCK",
    "EnvelopeDraw",
    "FundPlan",
    "Ledger",
    "carry_matrix",
    "carry_out",
    "cumulative",
    "fund_year",
    "ledger",
    "member_available",
    "pool_carry_over",
    "pool_demand",
]

Floats = NDArray[np.float64]

#: Draws per random block of fund inputs: block ``b`` covers draws ``b·BLOCK … (b+1)·BLOCK − 1``
#: and has its own stream, so a draw's value never depends on chunking or workers.
BLOCK = 1024


@dataclass(frozen=True)
class EnvelopeDraw:
    """A multi-year total stated as a range, drawn once per draw [unit].

    ``dist = "uniform"`` spreads it evenly over [low, high]; ``"triangular"`` peaks at ``mode``.
    """

    low: float
    high: float
    dist: Literal["uniform", "triangular"]
    mode: float | None = None

    @property
    def mean(self) -> float:
        """Expected total [unit]."""
        if self.dist == "triangular":
            assert self.mode is not None
            return (self.low + self.high + self.mode) / 3.0
        return (self.low + self.high) / 2.0

    def quantile(self, u: Floats) -> Floats:
        """Totals at probabilities ``u`` (inverse CDF) [unit]."""
        width = self.high - self.low
        if self.dist == "uniform" or width == 0:
            return self.low + width * u
        assert self.mode is not None
        c = (self.mode - self.low) / width
        return np.asarray(stats.triang.ppf(u, c, loc=self.low, scale=width), dtype=np.float64)


@dataclass(frozen=True)
class FundPlan:
    """A fund ready to run.

    Attributes
    ----------
    id, label
        The fund's id (the programme's own id for a programme's own envelope) and label.
    members
        Indices of the programmes drawing on it, in priority order.
    allocation
        ``"priority"``: each member may use what earlier members left; ``"pro_rata"``: when the
        members' demand exceeds the money, each gets the same share of its demand.
    carry_over
        Whether unspent money moves to the next year.
    amounts
        Envelope of each year [unit]; for a ranged total, its expected value.
    weights
        Split of a multi-year total across the years (sums to 1).
    draw
        The range a total is drawn from, or None for a fixed envelope.
    stream_key
        Key of the fund's random stream (used only by ranged totals).
    shared
        Whether the scenario declares it as a shared fund (``[funds.…]``).
    """

    id: str
    label: str
    members: tuple[int, ...]
    allocation: Literal["priority", "pro_rata"]
    carry_over: bool
    amounts: Floats
    weights: Floats
    draw: EnvelopeDraw | None
    stream_key: int
    shared: bool

    def totals(self, entropy: int, draws: range) -> Floats:
        """The multi-year total of each draw in ``draws`` [unit].

        Examples
        --------
        >>> fund = FundPlan("f", "f", (0,), "priority", True, np.array([600.0, 600.0]),
        ...                 np.array([0.5, 0.5]), EnvelopeDraw(1000.0, 1500.0, "uniform"), 7, False)
        >>> a = fund.totals(1, range(0, 3000))
        >>> bool(np.array_equal(a[1500:1510], fund.totals(1, range(1500, 1510))))
        True
        >>> bool((a >= 1000).all() and (a <= 1500).all())
        True
        """
        if self.draw is None:
            return np.full(len(draws), float(self.amounts.sum()))
        if not draws:
            return np.empty(0)
        first, last = draws.start // BLOCK, (draws.stop - 1) // BLOCK
        u = np.concatenate(
            [stream(entropy, b, self.stream_key).random(BLOCK) for b in range(first, last + 1)]
        )
        offset = draws.start - first * BLOCK
        return self.draw.quantile(u[offset : offset + len(draws)])

    def envelopes(self, totals: Floats) -> Floats:
        """Envelope of each draw and year [unit], shape (draws, years), from :meth:`totals`."""
        if self.draw is None:
            return np.broadcast_to(self.amounts, (totals.size, self.amounts.size))
        return totals[:, None] * self.weights[None, :]


def carry_out(available: Floats, paid: Floats, carry_over: Any) -> Floats:
    """Money moving to the next year [unit]: the unspent money where ``carry_over``, else 0."""
    return np.where(carry_over, np.maximum(available - paid, 0.0), 0.0)


def member_available(
    allocation: str, available: Floats, demand: Floats, total_demand: Floats, paid_before: Floats
) -> Floats:
    """Money open to one member of a fund [unit].

    Parameters
    ----------
    allocation
        ``"priority"`` or ``"pro_rata"``.
    available
        The fund's money this year, per draw [unit].
    demand
        The member's demand, per draw [unit].
    total_demand
        All members' demand, per draw [unit].
    paid_before
        What members earlier in the order were paid, per draw [unit].

    Examples
    --------
    >>> a, left = np.array([100.0]), np.array([0.0])
    >>> member_available("pro_rata", a, np.array([150.0]), np.array([200.0]), left)
    array([75.])
    >>> member_available("priority", a, np.array([150.0]), np.array([200.0]), np.array([30.0]))
    array([70.])
    """
    left = available - paid_before
    if allocation == "priority":
        return left
    ratio = np.ones_like(available)
    np.divide(available, total_demand, out=ratio, where=total_demand > available)
    return np.minimum(demand * ratio, left)


def fund_year(
    fund: FundPlan,
    envelope: Floats,
    carry_in: Floats,
    demand: Sequence[Floats],
    pay: Callable[[int, Floats], Floats],
) -> tuple[Floats, Floats]:
    """One year of one fund: share the money among its members and carry on the rest.

    Parameters
    ----------
    fund
        The fund.
    envelope, carry_in
        The year's envelope and the money carried in, per draw [unit].
    demand
        Each member's demand per draw [unit], in the order of ``fund.members``.
    pay
        Called for each member in order with (programme index, money open to it); returns what
        the member paid per draw [unit].

    Returns
    -------
    available, carry_out
        The fund's money this year and what moves to the next, per draw [unit].
    """
    available = envelope + carry_in
    total = demand[0]
    for extra in demand[1:]:
        total = total + extra
    paid = np.zeros_like(available)
    for k, p in enumerate(fund.members):
        open_to = member_available(fund.allocation, available, demand[k], total, paid)
        paid = paid + pay(p, open_to)
    return available, carry_out(available, paid, fund.carry_over)


@dataclass(frozen=True)
class Ledger:
    """Every fund's money, year by year, as the engine moved it (see :func:`ledger`).

    Attributes
    ----------
    available
        Money in each fund, ``envelope + carry_in`` [unit], shape (draws, funds, years).
    carry_in
        Money carried in from the year before [unit], same shape: 0 in the first year and
        wherever the money lapses.
    unspent
        ``available`` less what the fund's members paid [unit], same shape.
    lapsed
        Unspent money that does not move on to a later year of the horizon [unit], same shape:
        all of it where the money lapses (结余) and, as the horizon ends, in the last year; 0 in
        the other years of a fund that carries over. Over the horizon, the envelopes = what was
        paid + what lapsed, the last year's lapsed being what is unspent at the end.
    open_to
        Money open to each capped programme [unit], shape (draws, programmes, years): all of
        its fund's money for a fund's only member, its share (:func:`member_available`) for a
        member of a shared fund; NaN for an uncapped programme.
    """

    available: Floats
    carry_in: Floats
    unspent: Floats
    lapsed: Floats
    open_to: Floats


def ledger(funds: Sequence[FundPlan], fund_totals: Floats, demand: Floats, paid: Floats) -> Ledger:
    """Re-derive every fund's money from stored results, exactly as the engine computed it.

    The engine applies :func:`fund_year` while rationing and keeps only demand and payments;
    this applies it again to them, year by year with the same floating-point operations, so
    every amount equals the engine's to the bit.

    Parameters
    ----------
    funds
        The funds, in the order of ``fund_totals``' columns.
    fund_totals
        Each fund's multi-year total per draw [unit], shape (draws, funds).
    demand, paid
        Per draw, programme and year [unit], shape (draws, programmes, years).

    Returns
    -------
    Ledger

    Examples
    --------
    A fund of 10 a year that carries over; its only member pays 4, 12 and 10.

    >>> fund = FundPlan("f", "f", (0,), "priority", True, np.array([10.0, 10.0, 10.0]),
    ...                 np.full(3, 1 / 3), None, 0, False)
    >>> paid = np.array([[[4.0, 12.0, 10.0]]])
    >>> book = ledger([fund], np.array([[30.0]]), paid, paid)
    >>> book.available[0, 0], book.carry_in[0, 0], book.lapsed[0, 0]
    (array([10., 16., 14.]), array([0., 6., 4.]), array([0., 0., 4.]))
    """
    n, _, n_year = paid.shape
    shape = (n, len(funds), n_year)
    available, carry_in, spent = np.empty(shape), np.zeros(shape), np.zeros(shape)
    open_to = np.full(paid.shape, np.nan)
    for f, fund in enumerate(funds):
        envelopes = fund.envelopes(fund_totals[:, f])
        for y in range(n_year):

            def pay(p: int, money: Floats, f: int = f, y: int = y) -> Floats:
                open_to[:, p, y] = money
                spent[:, f, y] += paid[:, p, y]  # 0 + first + second …, as fund_year adds
                return np.asarray(paid[:, p, y])

            demands = [demand[:, p, y] for p in fund.members]
            money, carry = fund_year(fund, envelopes[:, y], carry_in[:, f, y], demands, pay)
            available[:, f, y] = money
            if y + 1 < n_year:
                carry_in[:, f, y + 1] = carry
    unspent = available - spent
    last = np.arange(n_year) == n_year - 1
    moves_on = np.array([fund.carry_over & ~last for fund in funds]).reshape(len(funds), n_year)
    book = Ledger(available, carry_in, unspent, np.where(moves_on, 0.0, unspent), open_to)
    for values in (book.available, book.carry_in, book.unspent, book.lapsed, book.open_to):
        values.flags.writeable = False  # derived once and shared: no reader may change it
    return book


def carry_matrix(carry_over: bool, years: int) -> Floats:
    """Which years' envelopes pay a year's claims: row ``t`` has a 1 for each such year.

    With carry-over (结转), every year up to ``t`` (lower-triangular ones); without, year ``t``
    alone (the identity). A fund pays its claims year by year exactly when
    ``carry_matrix(c, T) @ paid ≤ carry_matrix(c, T) @ envelopes``: with carry-over, what is
    available in year t is the envelopes so far less what was paid before.

    Parameters
    ----------
    carry_over
        Whether unspent money moves to the next year.
    years
        Years of the horizon.

    Returns
    -------
    numpy.ndarray
        Shape (years, years).

    Examples
    --------
    >>> carry_matrix(True, 3)
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]])
    >>> carry_matrix(False, 2)
    array([[1., 0.],
           [0., 1.]])
    """
    return np.tril(np.ones((years, years))) if carry_over else np.eye(years)


def cumulative(
    values: Floats, carry_over: bool | Sequence[bool] | NDArray[np.bool_], axis: int = -1
) -> Floats:
    """Money per year as :func:`carry_matrix` sees it: summed over the years so far where the
    money carries over, as it is where it lapses.

    Parameters
    ----------
    values
        Money per year along ``axis`` [unit].
    carry_over
        One flag, or flags broadcast against ``values`` without its ``axis``: one per pool for
        (draws, pools, years).
    axis
        The axis of the years.

    Returns
    -------
    numpy.ndarray
        The shape of ``values`` [unit].

    Examples
    --------
    >>> d = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    >>> cumulative(d, [True, False])
    array([[1., 3., 6.],
           [1., 2., 3.]])
    >>> bool(np.array_equal(cumulative(d, True), d @ carry_matrix(True, 3).T))
    True
    """
    by_year = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    flags = np.asarray(carry_over, dtype=bool)[..., None]
    return np.moveaxis(np.where(flags, np.cumsum(by_year, axis=-1), by_year), -1, axis)


def pool_demand(demand: Floats, members: Sequence[Sequence[int]]) -> Floats:
    """Demand (or any money per programme) of each pool: the sum over its programmes [unit].

    Parameters
    ----------
    demand
        Per draw, programme and year [unit], shape (draws, programmes, years).
    members
        The programme indices of each pool.

    Returns
    -------
    numpy.ndarray
        Per draw, pool and year [unit], shape (draws, pools, years).

    Examples
    --------
    >>> d = np.array([[[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]]])
    >>> pool_demand(d, [[0, 2], [1]])
    array([[[101., 202.],
            [ 10.,  20.]]])
    """
    return np.stack([demand[:, list(m), :].sum(axis=1) for m in members], axis=1)


def pool_carry_over(
    funds: Sequence[FundPlan], members: Sequence[Sequence[int]]
) -> tuple[bool, ...]:
    """Whether each pool's money carries over: when all its programmes draw on one fund and
    that fund carries over.

    A pool that spans several funds, or holds an uncapped programme, has no money of its own
    that the scenario says carries over.

    Parameters
    ----------
    funds
        The scenario's funds.
    members
        The programme indices of each pool.

    Examples
    --------
    >>> keeps = FundPlan("k", "k", (0, 1), "priority", True, np.ones(2), np.full(2, 0.5),
    ...                  None, 0, True)
    >>> lapses = FundPlan("l", "l", (2,), "priority", False, np.ones(2), np.full(2, 0.5),
    ...                   None, 0, False)
    >>> pool_carry_over([keeps, lapses], [[0, 1], [1], [2], [3], [0, 2]])
    (True, True, False, False, False)
    """
    fund_of = {p: f for f, fund in enumerate(funds) for p in fund.members}
    out = []
    for pool in members:
        owners = {fund_of.get(p) for p in pool}
        f = owners.pop() if len(owners) == 1 else None
        out.append(f is not None and funds[f].carry_over)
    return tuple(out)
