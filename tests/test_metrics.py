"""The registry of metrics (every column declared once, labelled in both languages, aggregating
as it says) and the statistics every module shares (standard errors and intervals)."""

import numpy as np
import pytest

import budgetsim
from budgetsim.stats import Z95, interval, proportion_se, standard_error

# -- statistics in one place ----------------------------------------------------------------------


def test_standard_error_with_one_and_two_draws() -> None:
    one = np.array([[3.0, 5.0]])  # one draw of two quantities
    assert np.isnan(standard_error(one)).all()
    assert standard_error(one).shape == (2,)
    two = np.array([[1.0, 5.0], [3.0, 5.0]])
    np.testing.assert_array_equal(standard_error(two), [1.0, 0.0])  # s = √2, / √2
    np.testing.assert_array_equal(standard_error(two.T, axis=1), [1.0, 0.0])
    assert np.isnan(proportion_se(1.0, 1))
    assert proportion_se(0.5, 2) == pytest.approx(0.5 / np.sqrt(2))
    low, high = interval(np.array([10.0, 10.0]), standard_error(np.array([[1.0, 9.0]])))
    assert np.isnan(low).all()
    assert np.isnan(high).all()
    low, high = interval(2.0, 1.0)
    assert (float(low), float(high)) == (2.0 - Z95, 2.0 + Z95)
    low, high = interval(0.0, 1.0, level=0.5)
    assert float(high) == pytest.approx(0.6744897501960817)


def test_one_draw_has_no_standard_error_anywhere() -> None:
    sc = budgetsim.load_scenario("jiangmen-2021")
    one = budgetsim.simulate(sc, draws=1, seed=1).summary()
    for column in ("demand_mean_se", "paid_mean_se", "p_exhausted_se"):
        assert one[column].isna().all(), column
