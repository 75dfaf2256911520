"""Invariants of whole simulations on random small scenarios (hypothesis)."""

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import budgetsim
from tests.conftest import toy


@st.composite
def programmes(draw: st.DrawFn) -> dict[str, Any]:
    rule = draw(st.sampled_from(["fcfs", "pro_rata", "uncapped", "fcfs-nothing"]))
    if draw(st.booleans()):
        instrument = {"kind": "fixed", "amount": draw(st.floats(0.5, 20)), "source": "t"}
    else:
        instrument = {
            "kind": "proportional",
            "base": "x",
            "rate": draw(st.floats(0, 1)),
            "source": "t",
        }
        if draw(st.booleans()):
            instrument["cap"] = draw(st.floats(0.1, 30))
    prog: dict[str, Any] = {
        "label": "p",
        "source": "t",
        "population": "firms",
        "instrument": instrument,
        "rationing": {"rule": "fcfs", "boundary": "nothing"} if rule == "fcfs-nothing" else rule,
    }
    if rule != "uncapped":
        prog["carry_over"] = draw(st.booleans())
        if draw(st.booleans()):
            prog["envelope"] = {
                "per_year": draw(st.lists(st.floats(0, 500), min_size=3, max_size=3)),
                "source": "t",
            }
        else:
            prog["envelope"] = {
                "total": draw(st.floats(0, 1500)),
                "source": "t",
                "split": draw(st.sampled_from(["equal", [1, 1, 2], [0, 1, 0]])),
            }
    return prog


@settings(max_examples=40, deadline=None)
@given(
    prog=programmes(),
    mean=st.floats(0, 40),
    seed=st.integers(0, 2**32),
)
def test_money_invariants(prog: dict[str, Any], mean: float, seed: int) -> None:
    sc = toy(
        programmes={"p": prog},
        populations__firms__arrivals={"dist": "poisson", "mean": mean, "assumption": "t"},
    )
    res = budgetsim.simulate(sc, draws=30, seed=seed, chunk_draws=7)
    ds = res.dataset
    paid, demand = ds["paid"].values, ds["demand"].values
    assert np.all(paid >= 0)
    assert np.all(paid <= demand * (1 + 1e-12))
    counts = ds["claimants"].values
    assert np.all(ds["paid_full"].values <= counts)
    assert np.all(ds["paid_any"].values <= counts)
    if prog["rationing"] == "uncapped":
        np.testing.assert_array_equal(paid, demand)
        return
    avail, unspent = res.available.values, res["unspent"].values
    assert np.all(paid <= avail * (1 + 1e-12))
    np.testing.assert_allclose(paid + unspent, avail, rtol=1e-12, atol=1e-9)
    envelope = ds["envelope"].values[0]
    carried = np.concatenate([np.zeros((30, 1, 1)), unspent[:, :, :-1]], axis=2)
    expected_avail = envelope + (carried if prog.get("carry_over") else 0.0)
    np.testing.assert_allclose(
        avail, np.broadcast_to(expected_avail, avail.shape), rtol=1e-12, atol=1e-9
    )
    total = paid.sum(axis=2) + res["lapsed"].values.sum(axis=2)
    np.testing.assert_allclose(total, envelope.sum(), rtol=1e-12, atol=1e-9)
    exhausted = res.exhausted.values
    np.testing.assert_array_equal(exhausted, demand > avail)
    months = ds["exhaustion_month"].values
    assert np.all((months >= 1) == exhausted)
    assert np.all(months <= 12)


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.floats(-100, 1e5), min_size=0, max_size=50),
    rate=st.floats(0, 3),
    cap=st.one_of(st.none(), st.floats(0, 100)),
    floor=st.one_of(st.none(), st.floats(0, 5)),
    min_award=st.one_of(st.none(), st.floats(0, 10)),
)
def test_entitlement_bounds(
    base: list[float], rate: float, cap: float | None, floor: float | None, min_award: float | None
) -> None:
    from budgetsim.expressions import compile_expression
    from budgetsim.instruments import Inputs, Proportional, entitlement

    if cap is not None and floor is not None and floor > cap:
        floor = cap
    spec = Proportional(
        kind="proportional",
        base="b",
        rate=rate,
        cap=cap,
        floor=floor,
        min_award=min_award,
        source="t",
    )
    values = np.asarray(base, dtype=float)
    inputs = Inputs({"b": values}, {"base": compile_expression("b", {"b"})}, values.size, {})
    ent = entitlement(spec, inputs)
    assert np.all(ent >= 0)
    if cap is not None:
        assert np.all(ent <= cap)
    if min_award is not None:
        assert np.all((ent == 0) | (ent >= min(min_award, cap if cap is not None else np.inf)))
    np.testing.assert_array_equal(ent[values <= 0], 0.0)
