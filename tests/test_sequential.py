"""Verdicts with error control (gmmlearn.core.sequential, docs/theory.md §6): known answers on
small tables, the looks of a design, intersection-union over instances, and the error rate at a
region's edge by simulation (tolerance from the binomial standard error)."""

import math

import numpy as np
import pytest
from scipy import stats

from gmmlearn.core.sequential import (
    ALPHA,
    MIN_REPLICATES,
    Design,
    Region,
    combine,
    instance_verdict,
    region_p_values,
    replicates_needed,
    t_bounds,
)
from gmmlearn.core.stats import mean_interval


def test_design_looks_and_validation():
    assert Design(5, 40, 5).looks() == [5, 10, 15, 20, 25, 30, 35, 40]
    assert Design(5, 12, 5).looks() == [5, 10, 12]
    assert Design.fixed(3).looks() == [3]
    for bad in (
        dict(min=0, max=5, batch=1),
        dict(min=6, max=5, batch=1),
        dict(min=5, max=9, batch=0),
    ):
        with pytest.raises(ValueError, match="replicates"):
            Design(**bad)


def test_single_look_is_the_95_percent_interval_rule():
    rng = np.random.default_rng(0)
    for region in (Region(high=0.0), Region(low=0.0), Region(-0.5, 0.5)):
        for shift in (-1.5, -0.4, 0.0, 0.3, 1.2):
            x = shift + 0.5 * rng.standard_normal(6)
            _, _, low, high = mean_interval(x)
            expected = region.verdict(low, high)
            got = instance_verdict(x, region, Design.fixed(6)).verdict
            assert got == expected, (region, shift, got, expected)


def test_p_values_known_answer():
    x = np.array([-1.0, -2.0, -3.0, -1.5, -2.5])
    mean, se = x.mean(), x.std(ddof=1) / math.sqrt(5)
    p_pass, p_fail = region_p_values(x, Region(high=0.0))
    assert p_pass == pytest.approx(stats.t.cdf(mean / se, 4))
    assert p_fail == pytest.approx(stats.t.sf(mean / se, 4))
    # an interval region: pass needs both sides (the larger p), fail either side (Bonferroni 2x)
    p_pass, p_fail = region_p_values(x, Region(-2.5, -1.5))
    assert p_pass == pytest.approx(
        max(stats.t.sf((mean + 2.5) / se, 4), stats.t.cdf((mean + 1.5) / se, 4))
    )


def test_looks_are_bonferroni_adjusted_and_decide_early():
    design = Design(5, 20, 5)
    x = np.full(20, -1.0) + 0.01 * np.random.default_rng(1).standard_normal(20)
    v = instance_verdict(x, Region(high=0.0), design)
    assert (v.verdict, v.look, v.n) == ("pass", 1, 5)
    mean, low, high = t_bounds(x[:5], ALPHA / design.n_looks)
    assert (v.ci_low, v.ci_high) == (pytest.approx(low), pytest.approx(high))
    raw, _ = region_p_values(x[:5], Region(high=0.0))
    assert v.p_pass == pytest.approx(min(1.0, 4 * raw))


def test_too_few_replicates_is_inconclusive_with_a_reason():
    v = instance_verdict([-1.0, -1.1, -0.9], Region(high=0.0), Design.fixed(3))
    assert v.verdict == "inconclusive" and str(MIN_REPLICATES) in v.reason
    x = np.array([-1.0, np.nan, -1.1, np.nan, -0.9])
    assert instance_verdict(x, Region(high=0.0), Design.fixed(5)).verdict == "inconclusive"


def test_intersection_union_over_instances():
    design = Design.fixed(6)
    inside = instance_verdict(np.linspace(-2.1, -1.9, 6), Region(high=0.0), design, instance="a")
    edge = instance_verdict(np.linspace(-1, 1, 6), Region(high=0.0), design, instance="b")
    outside = instance_verdict(np.linspace(1.9, 2.1, 6), Region(high=0.0), design, instance="c")
    assert combine([inside, inside])[0] == "pass"
    assert combine([inside, edge])[0] == "inconclusive"  # every instance must pass
    assert combine([inside, edge, outside])[0] == "fail"  # any instance failing at alpha / m
    assert combine([])[0] == "inconclusive"


def test_replicates_needed_grows_as_the_effect_shrinks():
    rng = np.random.default_rng(2)
    noise = rng.standard_normal(10)
    needed = [
        replicates_needed(-gap + noise, Region(high=0.0), Design(5, 40, 5)) for gap in (2, 1, 0.5)
    ]
    assert needed[0] < needed[1] < needed[2]


@pytest.mark.parametrize("design", [Design.fixed(5), Design(5, 40, 5)], ids=["one look", "8 looks"])
def test_wrong_pass_at_the_edge_is_at_most_alpha(design):
    """Normal replicate values whose mean sits exactly on the edge: the share of wrong passes
    over 4000 simulated runs stays below alpha + 3 binomial standard errors."""
    rng = np.random.default_rng(3)
    sims = 4000
    wrong = sum(
        instance_verdict(rng.standard_normal(design.max), Region(high=0.0), design).verdict
        == "pass"
        for _ in range(sims)
    )
    assert wrong / sims <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / sims)
