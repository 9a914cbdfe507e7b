"""Contracts every registered learner, metric, family, claim and figure keeps (in the spirit of
scikit-learn's ``parametrize_with_checks``): one named property per test, for every registration.

A registration needs its test case, and ``test_every_registration_has_its_case`` fails without
it (README, "How to add"): a learner its entry in LEARNER_CASES, a metric in METRIC_CASES, a
family in ``conftest.FAMILY_CASES``, a figure in FIGURE_CASES (the baseline sweep whose summary
gives the shape of its synthetic table), a claim its row in docs/theory.md §6 (its test data is
the committed baseline of its sweep, where its arms must have rows and its control must fail).
"""

import inspect
import re
from numbers import Integral
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import FAMILY_CASES, build
from sklearn.base import clone

import gmmlearn as gl
from gmmlearn.bench.cell import CellSpec
from gmmlearn.bench.experiment import run_cell
from gmmlearn.bench.sweeps import load_config
from gmmlearn.claims import CLAIMS, evaluate_claims
from gmmlearn.core.constraints import (
    Boolean,
    InstanceOf,
    Interval,
    ListOf,
    Options,
    Pattern,
)
from gmmlearn.core.validation import ParameterError
from gmmlearn.figures import FIGURES, common, make_figure
from gmmlearn.learners import LEARNERS, NotFittedError
from gmmlearn.metrics import METRICS, MetricNotApplicable
from gmmlearn.metrics.base import INJECTED as METRIC_INJECTED
from gmmlearn.results.io import read_summary
from gmmlearn.targets import FAMILIES

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "results" / "baseline"

#: fast settings per learner; ``target`` is filled in by the fixture
LEARNER_CASES = {
    "diffusion_general": dict(n_levels=5, degree=2, n_components=2),
    "diffusion_poly": dict(n_levels=5, degree=2),
    "em": dict(n_components=2, n_init=1),
    "em_from_moments": dict(n_components=2),
    "exact": dict(target=None),
    "kde": dict(bandwidth="silverman"),
    "moments_dmm": dict(n_components=2),
    "moments_tensor": dict(n_components=2),
    "oracle": dict(target=None, n_steps=8),
}
#: metric -> (learner it applies to, fast parameters)
METRIC_CASES = {
    "fit_diagnostics": ("diffusion_poly", {}),
    "kl_girsanov": ("oracle", dict(n_points=200, n_nodes=2)),
    "param_error": ("em", {}),
    "score_error": ("diffusion_poly", dict(n_points=300, n_times=3)),
    "tv_classifier": ("exact", dict(n_max=400)),
    "tv_exact": ("em", {}),
    "tv_girsanov": ("oracle", dict(n_points=200, n_nodes=2)),
    "tv_projected": ("exact", dict(n_boot=5)),
    "w1_mixing": ("em", {}),
    "w2": ("exact", dict(n_subsample=200, n_repeats=2)),
    "w2_sliced": ("exact", dict(n_projections=20, n_subsample=200, n_repeats=2)),
}
#: figure -> the baseline sweep whose summary gives its synthetic table's shape
FIGURE_CASES = {
    "approximation": "approximation",
    "dimension": "dimension",
    "general_covariances": "general_covariances",
    "manifolds": "manifolds",
    "moments_vs_diffusion": "moments_vs_diffusion",
    "piecewise_vs_global": "piecewise_vs_global",
    "samplers": "samplers",
    "samples": "samples",
}
N_TRAIN = 1500


def _claims_in_theory() -> set[str]:
    """The claim ids of the table in docs/theory.md §6."""
    text = (REPO / "docs/theory.md").read_text()
    section = text[text.index("## 6.") : text.index("## 7.")]
    return set(re.findall(r"^\| (C\d+[a-z]?) \|", section, flags=re.MULTILINE))


def test_every_registration_has_its_case():
    assert set(LEARNERS.names()) == set(LEARNER_CASES)
    assert set(METRICS.names()) == set(METRIC_CASES)
    assert set(FAMILIES.names()) <= {build(case).family for case in FAMILY_CASES}
    assert set(FIGURES.names()) == set(FIGURE_CASES)
    assert set(CLAIMS.names()) <= _claims_in_theory(), "a claim without its docs/theory.md row"


# -- shared fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def target():
    return gl.make_target("isotropic_gmm", dim=2, k=2, separation=6.0, seed=0)


@pytest.fixture(scope="module")
def data(target):
    return target.sample(N_TRAIN, random_state=0)


def _make(name, the_target, **changes):
    """The learner of its case, with ``changes``; a reference learner gets the fixture's target."""
    params = {**LEARNER_CASES[name], **changes}
    if "target" in params and "target" not in changes:
        params["target"] = the_target
    return gl.make_learner(name, **params)


def _fit(learner, data, seed=1):
    return learner.fit(data if learner.needs_data else None, random_state=seed)


@pytest.fixture(scope="module")
def fitted(target, data):
    """name -> a fitted learner of its case (fitted once for the module)."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = _fit(_make(name, target), data)
        return cache[name]

    return get


def _invalid_for(alternatives):
    """A value that no alternative of a declared constraint accepts."""
    candidates = []
    for constraint in alternatives:
        if isinstance(constraint, Interval):
            step = 1 if constraint.kind is Integral else 1.0
            if constraint.low is not None:
                candidates.append(constraint.low - step)
            if constraint.high is not None:
                candidates.append(constraint.high + step)
        elif isinstance(constraint, (Options, Pattern)):
            candidates.append("no such option!")
        elif isinstance(constraint, Boolean):
            candidates.append("yes")
        elif isinstance(constraint, InstanceOf):
            candidates.append("not an instance")
        elif isinstance(constraint, ListOf):
            candidates.append([])
    candidates += ["no such option!", -1, []]
    for value in candidates:
        if not any(c is not None and c.is_satisfied_by(value) for c in alternatives):
            if not (value is None and None in alternatives):
                return value
    raise AssertionError(f"no value outside {alternatives}")


# -- learners -------------------------------------------------------------------------------------
LEARNER_NAMES = sorted(LEARNER_CASES)


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_init_only_stores_its_parameters(name, target):
    learner = _make(name, target)
    assert set(vars(learner)) == set(learner.get_params()) == set(LEARNERS.get(name).parameters)


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_get_params_clone_and_rebuild_agree(name, target):
    learner = _make(name, target)
    params = learner.get_params()
    assert clone(learner).get_params().keys() == params.keys()
    rebuilt = gl.make_learner(name, **params).get_params()
    assert all(rebuilt[k] is v or rebuilt[k] == v for k, v in params.items())
    assert repr(learner).startswith(type(learner).__name__ + "(")


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_refuses_an_unknown_parameter(name):
    with pytest.raises(ValueError, match="unknown parameter"):
        gl.make_learner(name, no_such_parameter=1)


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_declares_a_constraint_for_every_parameter(name):
    entry = LEARNERS.get(name)
    assert set(entry.constraints) == set(entry.parameters), "see gmmlearn.core.constraints"


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_defaults_meet_their_constraints(name):
    entry = LEARNERS.get(name)
    for param, default in entry.parameters.items():
        if param in entry.constraints:
            LEARNERS.validate(name, {param: default})  # raises if a default is outside


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_fit_refuses_each_value_outside_its_constraints(name, target, data):
    """``fit`` reads the declared ranges: a value outside one is a ParameterError naming it."""
    for param, alternatives in LEARNERS.get(name).constraints.items():
        learner = _make(name, target, **{param: _invalid_for(alternatives)})
        with pytest.raises(ParameterError) as raised:
            _fit(learner, data)
        assert raised.value.name == param and param in str(raised.value)


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_sample_before_fit_is_not_fitted_error(name, target):
    with pytest.raises(NotFittedError, match="call fit"):
        _make(name, target).sample(5)


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_fit_returns_self(name, target, data):
    learner = _make(name, target)
    assert _fit(learner, data) is learner


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_sample_has_the_right_shape_and_is_finite(name, target, fitted):
    Y = fitted(name).sample(40, random_state=2)
    assert Y.shape == (40, target.dim) and np.all(np.isfinite(Y))


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_seeded_runs_are_bit_identical(name, target, data, fitted):
    """Same inputs, same code path: identical samples from a clone and from a rebuild; another
    sampling seed gives other samples."""
    learner = fitted(name)
    Y = learner.sample(40, random_state=2)
    np.testing.assert_array_equal(Y, _fit(clone(learner), data).sample(40, random_state=2))
    rebuilt = gl.make_learner(name, **learner.get_params())
    np.testing.assert_array_equal(Y, _fit(rebuilt, data).sample(40, random_state=2))
    assert not np.array_equal(Y, learner.sample(40, random_state=3))


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_bad_data_is_a_clear_error(name, target, data):
    bad = data.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        _make(name, target).fit(bad, random_state=1)


@pytest.mark.parametrize("name", LEARNER_NAMES)
def test_learner_bad_sample_size_is_a_clear_error(name, fitted):
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        fitted(name).sample(0)


@pytest.mark.parametrize("name", ["diffusion_poly", "diffusion_general"])
def test_diffusion_learners_report_effective_settings(name, fitted):
    learner = fitted(name)
    effective = learner.effective_params_
    assert set(effective) == {"degree_max", "subspace", "partition", "cells"}
    assert 1 <= effective["degree_max"] <= learner.degree and effective["subspace"] == "none"


# -- metrics --------------------------------------------------------------------------------------
METRIC_NAMES = sorted(METRIC_CASES)


def _rows(metric, target, fitted, **changes):
    learner_name, params = METRIC_CASES[metric]
    learner = fitted(learner_name)
    Y = learner.sample(600, random_state=2)
    spec = {"name": metric, "params": {**params, **changes}}
    return gl.evaluate(target, learner, Y, [spec], random_state=3)


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_declares_how_it_is_compared(metric):
    sense = METRICS.senses[metric]
    assert sense.unit and METRICS.sense_of_row(metric) == (metric, sense)


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_declares_a_constraint_for_every_option(metric):
    assert set(METRICS.get(metric).constraints) == set(METRICS.options(metric))


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_defaults_meet_their_constraints(metric):
    entry = METRICS.get(metric)
    METRICS.validate(metric, {p: entry.parameters[p] for p in entry.constraints})


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_refuses_each_option_outside_its_constraints(metric, target, fitted):
    for option, alternatives in METRICS.get(metric).constraints.items():
        with pytest.raises(ParameterError) as raised:
            _rows(metric, target, fitted, **{option: _invalid_for(alternatives)})
        assert raised.value.name == option


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_rows_have_the_declared_format(metric, target, fitted):
    rows = _rows(metric, target, fitted)
    fields = {"metric", "estimator", "value", "stderr", "floor", "floor_stderr"}
    assert rows and all(set(r) == fields for r in rows)


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_values_and_floors_are_finite(metric, target, fitted):
    rows = _rows(metric, target, fitted)
    if METRICS.senses[metric].direction == "none":  # properties of the fit: NaN stderr and floor
        assert all(np.isfinite(r["value"]) or np.isnan(r["value"]) for r in rows)
    else:
        assert all(np.isfinite(r["value"]) and np.isfinite(r["floor"]) for r in rows)


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_is_identical_for_the_same_random_state(metric, target, fitted):
    np.testing.assert_equal(_rows(metric, target, fitted), _rows(metric, target, fitted))


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_refuses_an_unknown_option(metric, target, fitted):
    with pytest.raises(ValueError, match="unknown parameter"):
        _rows(metric, target, fitted, no_such_parameter=1)


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_metric_applies_or_names_its_requirement(metric, target, fitted):
    """On the exact learner (no score, no levels, no parameters), a metric either works or raises
    MetricNotApplicable saying what it needs (the cell then records ``skipped``)."""
    learner = fitted("exact")
    Y = learner.sample(600, random_state=2)
    spec = {"name": metric, "params": METRIC_CASES[metric][1]}
    try:
        rows = gl.evaluate(target, learner, Y, [spec], random_state=3)
    except MetricNotApplicable as exc:
        assert "needs" in str(exc)
    else:
        assert rows


def test_injected_metric_arguments_are_not_options():
    assert all(not set(METRICS.options(m)) & set(METRIC_INJECTED) for m in METRIC_NAMES)


# -- families -------------------------------------------------------------------------------------
@pytest.mark.parametrize("family", FAMILIES.names())
def test_family_builds_with_its_defaults_and_samples_finitely(family):
    target = gl.make_target(family)
    X = target.sample(50, random_state=1)
    assert X.shape == (50, target.dim) and np.all(np.isfinite(X))


@pytest.mark.parametrize("family", FAMILIES.names())
def test_family_sampling_is_seeded(family):
    target = gl.make_target(family)
    np.testing.assert_array_equal(
        target.sample(50, random_state=1), target.sample(50, random_state=1)
    )


@pytest.mark.parametrize("family", FAMILIES.names())
def test_family_round_trips_exactly_through_to_dict(family):
    target = gl.make_target(family)
    rebuilt = gl.target_from_dict(target.to_dict())
    np.testing.assert_array_equal(
        rebuilt.sample(50, random_state=1), target.sample(50, random_state=1)
    )


@pytest.mark.parametrize("family", FAMILIES.names())
def test_family_refuses_an_unknown_parameter(family):
    with pytest.raises(ValueError, match="unknown parameter"):
        gl.make_target(family, no_such_parameter=1)


# -- claims ---------------------------------------------------------------------------------------
CLAIM_IDS = CLAIMS.names()


@pytest.fixture(scope="module")
def quick():
    return load_config(REPO / "workflows/config/quick.yaml")


@pytest.fixture(scope="module")
def on_baseline():
    """The claims table of the committed baseline (the quick config's results)."""
    table = evaluate_claims(BASELINE)
    return {(r.claim, r.role): r for r in table.itertuples()}


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_declares_its_id_once(claim_id):
    claim = CLAIMS.get(claim_id).factory
    source = Path(inspect.getsourcefile(claim)).read_text()
    assert claim.id == claim_id and source.count(f'"{claim_id}"') == 1


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_declares_what_it_tests(claim_id):
    claim = CLAIMS.get(claim_id).factory()
    assert claim.statement and claim.quantity and claim.control_note and claim.kind
    assert claim.subject != claim.control


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_sweep_is_in_the_quick_and_paper_configs(claim_id, quick):
    sweep = CLAIMS.get(claim_id).factory().sweep
    assert sweep in quick.sweeps
    assert sweep in load_config(REPO / "workflows/config/paper.yaml").sweeps


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_figure_is_registered_and_drawn_from_its_sweep(claim_id, quick):
    claim = CLAIMS.get(claim_id).factory()
    assert claim.figure in FIGURES and quick.sweeps[claim.sweep].figure == claim.figure


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_arms_select_rows_of_the_baseline(claim_id, on_baseline):
    """Both the subject and the control have their quantity on at least 2 replicates of the
    committed baseline: a typo in an arm would select nothing."""
    for role in ("claim", "control"):
        row = on_baseline[(claim_id, role)]
        assert row.n_replicates >= 2 and np.isfinite(row.estimate), (role, row.reason)


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_control_does_not_pass_on_the_baseline(claim_id, on_baseline):
    """A control that passed would mean the claim cannot tell its subject from its control. On
    the committed baseline (3 replicates of the quick config) a control must not pass; the
    paper config's controls all fail (README), and the claims table marks any that does not
    with a cross. (Stronger, "fails", is not a property of every baseline: C4a's control is a
    slope of GEMM times, whose spread over 3 replicates depends on the machine's load.)"""
    assert on_baseline[(claim_id, "control")].verdict != "pass"


# -- figures --------------------------------------------------------------------------------------
FIGURE_NAMES = sorted(FIGURE_CASES)
STATISTICS = ["mean", "floor_mean", "excess_mean", "fit_seconds", "sample_seconds"]


def synthetic_summary(sweep: str, seed: int = 0) -> pd.DataFrame:
    """A summary shaped like the sweep's committed baseline (its cells, metrics, estimators and
    parameters) whose numbers are synthetic: positive seeded lognormal means with 95% intervals
    of +-20%, floors a third of the means."""
    shape = read_summary(BASELINE / sweep / "summary.csv")
    rng = np.random.default_rng(seed)
    mean = 0.05 * np.exp(0.5 * rng.standard_normal(len(shape)))
    ok = shape["n_ok"].to_numpy() > 0
    mean = np.where(ok, mean, np.nan)
    return shape.assign(
        mean=mean,
        stderr=0.1 * mean,
        ci_low=0.8 * mean,
        ci_high=1.2 * mean,
        floor_mean=mean / 3,
        floor_ci_low=0.8 * mean / 3,
        floor_ci_high=1.2 * mean / 3,
        excess_mean=2 * mean / 3,
        excess_ci_low=0.5 * mean,
        excess_ci_high=0.8 * mean,
        fit_seconds=np.where(ok, 1 + rng.random(len(shape)), np.nan),
        sample_seconds=np.where(ok, rng.random(len(shape)), np.nan),
    )


def synthetic_claims(figure: str) -> pd.DataFrame:
    rows = []
    for claim in CLAIMS.of_figure(figure):
        for role, verdict in (("claim", "pass"), ("control", "fail")):
            rows.append(
                dict(
                    claim=claim.id,
                    role=role,
                    statement=claim.statement,
                    sweep=claim.sweep,
                    subject="x",
                    quantity=claim.quantity,
                    estimate=0.1,
                    ci_low=0.05,
                    ci_high=0.15,
                    expected=claim.expected.text(),
                    verdict=verdict,
                    n_replicates=3,
                    reason="",
                )
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def drawn():
    """figure -> the matplotlib figure it drew from its synthetic table (kept, not saved)."""
    cache = {}

    def get(name):
        if name not in cache:
            captured = []
            original = common.save
            common.save = lambda fig, out_prefix: captured.append(fig) or []
            try:
                make_figure(
                    name,
                    synthetic_summary(FIGURE_CASES[name]),
                    "unused",
                    claims=synthetic_claims(name),
                )
            finally:
                common.save = original
            (cache[name],) = captured
        return cache[name]

    yield get
    for fig in cache.values():
        plt.close(fig)


def _visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def _has_data(ax) -> bool:
    lines = any(np.isfinite(np.asarray(line.get_ydata(), dtype=float)).any() for line in ax.lines)
    collections = any(len(c.get_offsets()) or c.get_paths() for c in ax.collections)
    return lines or collections


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figure_draws_its_claims(name):
    assert CLAIMS.of_figure(name), "a figure no claim declares"


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figure_every_panel_draws_data(name, drawn):
    axes = _visible_axes(drawn(name))
    assert axes and all(_has_data(ax) for ax in axes)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figure_every_panel_is_labelled(name, drawn):
    """Every panel has a title or an axis label, and the figure labels both its axes somewhere."""
    axes = _visible_axes(drawn(name))
    assert all(ax.get_title() or ax.get_xlabel() or ax.get_ylabel() for ax in axes)
    assert any(ax.get_xlabel() for ax in axes) and any(ax.get_ylabel() for ax in axes)


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figure_title_names_its_claims_and_their_verdicts(name, drawn):
    title = drawn(name)._suptitle.get_text()
    for claim in CLAIMS.of_figure(name):
        assert f"{claim.id} PASS" in title and "control fails" in title


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_figure_draws_its_claims_controls_apart(name, drawn):
    """A control arm of the figure's claims that has rows in its sweep is drawn with its own
    legend entry (``control (<ids>): ...``), not as one of the lines."""
    summary = synthetic_summary(FIGURE_CASES[name])
    claims = CLAIMS.of_figure(name)
    if not common.is_control(summary[summary["n_ok"] > 0], claims).any():
        pytest.skip("no control rows in this sweep")
    labels = [
        text.get_text()
        for ax in drawn(name).axes
        if ax.get_legend()
        for text in ax.get_legend().get_texts()
    ]
    assert any("control (" in label for label in labels), labels


def test_result_rows_carry_the_effective_settings():
    """A degree the data cannot afford is recorded as the one used (issue 10: never silently
    capped), and a principal-subspace run says so in its rows."""

    def rows(**params):
        spec = CellSpec(
            target="isotropic_gmm",
            target_params=dict(dim=5, k=2, separation=8.0),
            learner="diffusion_poly",
            learner_params=dict(n_levels=4, **params),
            n_train=1500,
            n_eval=500,
            metrics=["tv_projected"],
        )
        out = run_cell(spec)
        assert all(r["status"] == "ok" for r in out)
        return out

    # degree 9 in 5 dimensions needs 4 * C(14, 9) = 8008 points a cell; 1350 afford degree 5
    capped = rows(degree=9, degree_selection="fixed", subspace="none")
    assert {r["eff_degree_max"] for r in capped} == {5}
    assert {r["eff_subspace"] for r in capped} == {"none"}
    assert {r["eff_subspace"] for r in rows()} == {"pca:1"}  # 'auto' chose a principal subspace
    em = run_cell(
        CellSpec(
            target="isotropic_gmm",
            learner="em",
            learner_params=dict(n_components=3),
            n_train=500,
            n_eval=200,
            metrics=["tv_projected"],
        )
    )
    assert not any(key.startswith("eff_") for key in em[0])
