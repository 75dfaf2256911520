"""The nowcast chart: the claims received so far against the forecast fan and the money.

One panel for the programme and year of a :class:`budgetsim.nowcast.Nowcast`: the cumulative
claims of the applications received (a step line up to the as-of date), the nowcast's fan of
cumulative claims by month's end (P5–P95, P25–P75, median), the plain forecast's median for
comparison, the money available that year (median; its P5–P95 band when it varies by draw),
and the as-of date. Words come from :mod:`budgetsim.words`; Chinese by default.

Examples
--------
>>> import budgetsim, pandas as pd
>>> sc = budgetsim.load_scenario("jiangmen-2021").vary(
...     {"populations.tech_borrowers.timing.start_month": 1})
>>> got = pd.DataFrame({"申请日期": ["2021-02-03", "2021-05-20"], "principal": [300, 800],
...                     "spread": [1.0, 0.8], "months": [12, 12]})
>>> nc = budgetsim.nowcast(sc, "loan_interest", got, "2021-06-30", draws=100, seed=1)
>>> fig = nowcast_chart(nc, "en")
>>> " ".join(fig.axes[0].get_title().split())
'Technology-loan interest subsidy — claims in 2021: received and forecast'
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from budgetsim.charts import _bands, _label, _legend_row, _stamp, _w
from budgetsim.charts._style import PALETTE, chart_style, footer, money_axis, money_scale, wrap
from budgetsim.metrics import Lang, money_unit
from budgetsim.results import MONTHLY_DEMAND
from budgetsim.stats import quantile

if TYPE_CHECKING:
    from budgetsim.nowcast import Nowcast

__all__ = ["nowcast_chart"]


def nowcast_chart(nc: Nowcast, lang: Lang = "zh") -> Figure:
    """The claims received against the forecast fan and the money (see the module).

    Parameters
    ----------
    nc
        A nowcast (:func:`budgetsim.nowcast`).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from budgetsim.charts._style import resolve_lang

    lang_ = resolve_lang(lang)
    res, before, year = nc.after, nc.before, nc.year
    p, y = res.programmes.index(nc.programme), res.years.index(year)
    claims = res.dataset[MONTHLY_DEMAND].values[:, p, y, :]
    plain = before.dataset[MONTHLY_DEMAND].values[:, p, y, :]
    money = res["available"].values[:, p, y]
    days = [dt.date(year, 1, 1)] + [
        dt.date(year + (m == 12), m % 12 + 1, 1) for m in range(1, 13)
    ]  # 1 January, then the end of each month (the first of the next)
    ends = np.asarray(mdates.date2num(days), dtype=np.float64)  # type: ignore[no-untyped-call]
    as_of_x = float(mdates.date2num(nc.update.as_of))  # type: ignore[no-untyped-call]
    zero = np.zeros((claims.shape[0], 1))
    q = quantile(np.hstack([zero, claims]), (0.05, 0.25, 0.5, 0.75, 0.95))
    plain_median = quantile(np.hstack([zero[: plain.shape[0]], plain]), 0.5)
    dates = np.asarray(mdates.date2num(nc.received.dates.astype(dt.date)), dtype=np.float64)  # type: ignore[no-untyped-call]
    observed = np.cumsum(nc.observed)
    finite = money[np.isfinite(money)]
    m_low, m_mid, m_high = quantile(finite, (0.05, 0.5, 0.95)) if finite.size else [np.nan] * 3
    divisor, unit = money_scale(np.r_[q.ravel(), observed, finite], res.unit)
    fig = Figure(figsize=(7.2, 4.8), layout="constrained")
    with chart_style(lang_):
        grid = fig.add_gridspec(2, 1, height_ratios=(1, 0.001))
        ax = fig.add_subplot(grid[0, 0])
        ax.fill_between(ends, q[0], q[4], color=PALETTE[0], alpha=0.15, linewidth=0)
        ax.fill_between(ends, q[1], q[3], color=PALETTE[0], alpha=0.35, linewidth=0)
        ax.plot(ends, q[2], color=PALETTE[0], gid="median")
        ax.plot(ends, plain_median, color="#777777", linestyle=":", linewidth=1.2, gid="before")
        steps_x = [ends[0], *dates.tolist(), as_of_x]
        steps_y = [0.0, *observed.tolist(), float(observed[-1]) if observed.size else 0.0]
        ax.step(steps_x, steps_y, where="post", color="black", linewidth=1.6, gid="received")
        handles = [*_bands(PALETTE[0], lang_)]
        handles.append(
            Line2D([], [], color="#777777", linestyle=":", label=_w("nowcast_before_median", lang_))
        )
        handles.append(Line2D([], [], color="black", label=_w("nowcast_received_line", lang_)))
        if np.isfinite(m_mid):
            ax.axhline(m_mid, color=PALETTE[1], linestyle="--", linewidth=1.1, gid="money")
            handles.append(
                Line2D([], [], color=PALETTE[1], linestyle="--", label=_w("chart_money_own", lang_))
            )
            if m_high > m_low:
                ax.axhspan(m_low, m_high, color=PALETTE[1], alpha=0.12, linewidth=0)
                handles.append(
                    Patch(color=PALETTE[1], alpha=0.12, label=_w("nowcast_money_band", lang_))
                )
        as_of = _w("nowcast_as_of_line", lang_, as_of=nc.update.as_of.isoformat())
        ax.axvline(as_of_x, color="#333333", linewidth=1.0, gid="as-of")
        ax.annotate(
            as_of, (as_of_x, 1.0), xycoords=("data", "axes fraction"),
            xytext=(3, -12), textcoords="offset points", fontsize=8,
        )  # fmt: skip
        ax.set_xlim(ends[0], ends[-1])
        ax.xaxis.set_major_locator(mdates.MonthLocator())  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m"))  # type: ignore[no-untyped-call]
        ax.set_xlabel(_w("chart_month", lang_))
        money_axis(ax, "y", divisor)
        ax.set_ylim(bottom=0)
        ax.set_ylabel(f"[{money_unit(unit, lang_)}]")
        title = _w("nowcast_chart_title", lang_, programme=_label(res, nc.programme, lang_),
                   year=year)  # fmt: skip
        ax.set_title(wrap(title, 64), fontsize=10.5)
        _legend_row(fig, grid, handles, ncols=3)
        footer(fig, _stamp(res, lang_))
    return fig
