"""Claims as code: quantities on synthetic result tables where the answer is known, the verdict
rule, inconclusive verdicts on missing or failed data, and a real run whose broken-score control
must fail."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gmmlearn.bench.cell import CellSpec
from gmmlearn.bench.experiment import run_cell, tidy_rows
from gmmlearn.claims import CLAIMS, Region, evaluate_claims, to_markdown
from gmmlearn.claims.base import Arm, slopes, table


def rows(
    learner,
    replicate,
    value,
    *,
    metric="tv_projected",
    estimator="hist2d_mean",
    floor=0.01,
    family="isotropic_gmm",
    status="ok",
    **columns,
):
    return {
        "sweep": "s",
        "cell_id": "x",
        "family": family,
        "learner": learner,
        "replicate": replicate,
        "metric": metric,
        "estimator": estimator,
        "value": value,
        "floor": floor,
        "status": status,
        "error": "",
        "dim": 2,
        "degree": np.nan,
        "n_train": np.nan,
        "fit_seconds": 1.0,
        "p_learner_score_scale": 1.0,  # rows record resolved parameters
        **columns,
    }


def samples_table(slope=-0.5, replicates=5, noise=0.02, seed=0, broken_scale=0.5):
    """The samples sweep: TV = 0.3 N^slope e^{noise}, an oracle at 0.02, and a control whose TV
    stays at 0.3."""
    rng = np.random.default_rng(seed)
    out = []
    for r in range(replicates):
        for n in (1e3, 1e4, 1e5):
            out.append(
                rows(
                    "diffusion_poly",
                    r,
                    0.3 * n**slope * 40 * np.exp(noise * rng.standard_normal()),
                    n_train=n,
                )
            )
            out.append(
                rows(
                    "diffusion_poly",
                    r,
                    0.3 * np.exp(noise * rng.standard_normal()),
                    n_train=n,
                    p_learner_score_scale=broken_scale,
                )
            )
        out.append(rows("oracle", r, 0.02 + 0.001 * rng.standard_normal()))
    return pd.DataFrame(out)


def test_region_verdicts():
    region = Region(high=-0.1)
    assert region.verdict(-0.5, -0.2) == "pass"
    assert region.verdict(0.0, 0.1) == "fail"
    assert region.verdict(-0.2, 0.0) == "inconclusive"
    assert region.verdict(np.nan, np.nan) == "inconclusive"
    assert Region(0.5, 2.5).verdict(0.6, 2.0) == "pass" and Region(0.5, 2.5).verdict(3, 4) == "fail"
    assert Region(0.5, 2.5).text() == "in [0.5, 2.5]" and Region(low=0).text() == ">= 0"


def test_slope_is_recovered_with_an_interval_that_covers_it():
    """A log-log slope of exactly -0.5 plus seeded noise: the estimate is within 3 standard errors
    of -0.5 (noise sd 0.02 per value over 2 decades: slope sd ~ 0.02 * sqrt(2/3) / 2 / ln 10)."""
    claim = CLAIMS.get("C3a").factory()
    result = claim.evaluate(samples_table(), "claim")
    assert result.verdict == "pass" and result.n_replicates == 5
    half_width = result.ci_high - result.estimate
    assert result.ci_low <= -0.5 <= result.ci_high
    assert abs(result.estimate + 0.5) < 3 * half_width / 2.776  # 2.776: t(0.975, 4)


def test_control_fails_and_inconclusive_when_the_interval_straddles():
    claim = CLAIMS.get("C3a").factory()
    assert claim.evaluate(samples_table(), "control").verdict == "fail"
    # a slope of -0.05 exactly on the edge of the region, with noise: the interval straddles it
    assert claim.evaluate(samples_table(slope=-0.05, noise=0.05), "claim").verdict == "inconclusive"


def test_paired_difference_with_a_known_sign():
    """C3b: learner minus oracle at the largest N, paired by replicate. The pairing removes a
    shared per-replicate offset that an unpaired comparison would have to absorb."""
    rng = np.random.default_rng(1)
    out = []
    for r in range(4):
        shared = 0.01 * rng.standard_normal()  # common random numbers: same evaluation streams
        out.append(
            rows("diffusion_poly", r, 0.030 + shared + 1e-4 * rng.standard_normal(), n_train=1e5)
        )
        out.append(rows("oracle", r, 0.028 + shared))
    result = CLAIMS.get("C3b").factory().evaluate(pd.DataFrame(out), "claim")
    assert result.verdict == "pass"  # 0.002 <= 0.005, interval tight thanks to pairing
    assert abs(result.estimate - 0.002) < 5e-4


def test_too_few_replicates_or_missing_sweep_or_failed_cells_are_inconclusive(tmp_path):
    claim = CLAIMS.get("C3a").factory()
    one = claim.evaluate(samples_table(replicates=1), "claim")
    assert one.verdict == "inconclusive" and "at least 2 needed" in one.reason
    missing = claim.evaluate(None, "claim")
    assert missing.verdict == "inconclusive" and "no results for sweep 'samples'" in missing.reason
    failed = samples_table().assign(status="failed")
    result = claim.evaluate(failed, "claim")
    assert result.verdict == "inconclusive" and "failed" in result.reason
    # a results folder with no sweep at all: every claim and control is inconclusive, none passes
    table_ = evaluate_claims(tmp_path)
    assert set(table_["verdict"]) == {"inconclusive"} and len(table_) == 2 * len(CLAIMS.names())
    assert "| C1a |" in to_markdown(table_)


def test_arms_select_by_the_rows_own_resolved_parameters():
    """Rows record resolved parameters, so an arm matches values only: no registry lookup of
    defaults; None matches a parameter whose value is None (NaN in a table)."""
    frame = pd.DataFrame(
        [
            rows("diffusion_poly", 0, 0.1, p_learner_score_scale=1.0, p_learner_T=np.nan),
            rows("diffusion_poly", 0, 0.2, p_learner_score_scale=0.5, p_learner_T=2.0),
            rows("em", 0, 0.3),
        ]
    )
    assert Arm("diffusion_poly", {"score_scale": 1.0}).select(frame)["value"].tolist() == [0.1]
    assert Arm("diffusion_poly", {"score_scale": 0.5}).select(frame)["value"].tolist() == [0.2]
    assert Arm("diffusion_poly", {"T": None}).select(frame)["value"].tolist() == [0.1]
    assert Arm("diffusion_poly", {"T": 2}).select(frame)["value"].tolist() == [0.2]


def test_table_keeps_only_complete_replicates_and_slopes_are_exact():
    frame = pd.DataFrame(
        [
            rows("a", r, 10.0 ** (-0.5 * np.log10(n)), n_train=n)
            for r in range(3)
            for n in (1e2, 1e4)
            if not (r == 2 and n == 1e4)
        ]
    )
    wide = table(frame, "n_train")
    assert list(wide.index) == [0, 1]
    np.testing.assert_allclose(slopes(wide), -0.5, rtol=1e-12)


def test_broken_score_control_fails_on_a_real_run():
    """C7a on a small real run: the exact-score DDPM sampler reaches the floor at 200 steps; the
    same sampler with its score scaled by 0.5 stays far from it (C7a must fail for it)."""
    frames = []
    target = {
        "target": "isotropic_gmm",
        "target_params": {"dim": 2, "k": 3, "separation": 8.0, "seed": 0},
    }
    for params in (
        {"n_steps": 20},
        {"n_steps": 200},
        {"n_steps": 20, "score_scale": 0.5},
        {"n_steps": 200, "score_scale": 0.5},
    ):
        spec = CellSpec(
            **target,
            learner="oracle",
            learner_params={"schedule": "geometric", **params},
            n_eval=4000,
            metrics=[{"name": "tv_projected", "params": {"dims": [1]}}],
        )
        frames += [
            tidy_rows(spec, r, run_cell(spec, r, sweep_seed=3), sweep="samplers", commit="")
            for r in range(3)
        ]
    results = pd.concat(frames, ignore_index=True)
    claim = CLAIMS.get("C7a").factory()
    assert claim.evaluate(results, "control").verdict == "fail"
    assert claim.evaluate(results, "claim").verdict != "fail"


@pytest.mark.parametrize("name", CLAIMS.names())
def test_every_claim_declares_what_it_tests(name):
    claim = CLAIMS.get(name).factory()
    assert claim.id == name and claim.statement and claim.sweep and claim.quantity
    assert claim.subject != claim.control and claim.control_note


def test_a_config_can_point_a_claim_at_its_own_sweep_and_bad_names_are_config_errors():
    from gmmlearn.core.validation import ConfigError
    from gmmlearn.workflow import load_workflow_config as load_config

    config = {
        "sweeps": {
            "my_samples": {
                "grid": [{"target": {"name": "isotropic_gmm"}, "learner": {"name": "exact"}}]
            }
        },
        "claims": {"C3a": {"sweep": "my_samples"}},
    }
    assert load_config(config).claim_sweeps == {"C3a": "my_samples"}
    with pytest.raises(ConfigError, match="claims.C9: unknown claim 'C9'"):
        load_config({**config, "claims": {"C9": {"sweep": "my_samples"}}})
    with pytest.raises(
        ConfigError, match="claims.C3a.sweep: 'samples' is not a sweep of this config"
    ):
        load_config({**config, "claims": {"C3a": {"sweep": "samples"}}})
    table_ = evaluate_claims("/nonexistent", sweeps=["my_samples"], sweep_of={"C3a": "my_samples"})
    assert table_["claim"].unique().tolist() == ["C3a"] and set(table_["sweep"]) == {"my_samples"}


def test_index_links_figures_where_the_run_wrote_them(tmp_path):
    """With --config results_dir=... figures_dir=... the index sits beside the figures: its image
    links are the bare file names and its commands name the overridden folders."""
    from gmmlearn.bench.sweeps import load_config
    from gmmlearn.figures.index import build_index

    config = Path(__file__).resolve().parents[1] / "workflows/config/quick.yaml"
    claims = pd.DataFrame(
        columns=[
            "claim",
            "role",
            "statement",
            "quantity",
            "estimate",
            "ci_low",
            "ci_high",
            "expected",
            "verdict",
            "n_replicates",
        ]
    )
    text = build_index(
        load_config(config),
        config,
        claims,
        tmp_path / "figs/index.md",
        figures_dir=tmp_path / "figs",
        results_dir=tmp_path / "res",
    )
    assert "![samplers](samplers.png)" in text
    assert f"figures_dir={tmp_path / 'figs'}" in text and f"`{tmp_path / 'res'}/claims.md`" in text
    default = build_index(load_config(config), config, claims, Path("paper_figures/index.md"))
    assert "![samplers](samplers.png)" in default and "--config " not in default
