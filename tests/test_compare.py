"""gmmlearn compare: pairing, paired tests, BH correction, verdicts, the CLI gate and bad input;
aggregation that refuses to pool runs; the metric declarations."""

import numpy as np
import pandas as pd
import pytest

from gmmlearn.cli import main
from gmmlearn.compare import ALPHA, compare_runs, compare_settings, compare_tables
from gmmlearn.compare.null import ROWS, null_sides, run_values
from gmmlearn.core.stats import benjamini_hochberg, holm, paired_t
from gmmlearn.metrics import METRICS
from gmmlearn.metrics.base import DIRECTIONS
from gmmlearn.results import order_columns, write_table
from gmmlearn.results.select import parse_filter, select_rows

LEARNERS = ("oracle", "em")


def run_table(
    values, *, sweep="s", seed=7, commit="abc1234", cells=None, status=None, config_hash="h1"
):
    """A results table in the real schema from an array of values (cells, rows, replicates)."""
    n_cells, n_rows, replicates = values.shape
    cells = list(range(n_cells)) if cells is None else cells
    records = []
    for c_index, c in enumerate(cells):
        for r in range(replicates):
            for (metric, estimator), v in zip(ROWS, values[c_index, :, r]):
                records.append(
                    {
                        "sweep": sweep,
                        "cell_id": f"cell{c:04d}",
                        "family": "isotropic_gmm",
                        "p_target_k": 3,
                        "learner": LEARNERS[c % 2],
                        "p_learner_n_steps": 10 * (c + 1),
                        "n_train": np.nan
                        if LEARNERS[c % 2] == "oracle"
                        else 1000,  # missing, as in real rows
                        "n_eval": 5000,
                        "dim": 2,
                        "k": 3,
                        "replicate": r,
                        "sweep_seed": seed,
                        "metric": metric,
                        "estimator": estimator,
                        "value": v,
                        "stderr": 0.001,
                        "floor": 0.01,
                        "floor_stderr": 0.001,
                        "status": "ok",
                        "error": "",
                        "gmmlearn_version": "0.1.0",
                        "git_commit": commit,
                        "config_hash": config_hash,
                        "created": "2024-01-01T00:00:00+00:00",
                    }
                )
    frame = order_columns(pd.DataFrame(records))
    if (
        status is not None
    ):  # {(cell, replicate): status}: that replicate's rows become one failed row per metric
        for (c, r), st in status.items():
            hit = (frame["cell_id"] == f"cell{c:04d}") & (frame["replicate"] == r)
            failed = (
                frame[hit]
                .drop_duplicates("metric")
                .assign(estimator="", value=np.nan, status=st, error="RuntimeError: boom")
            )
            frame = pd.concat([frame[~hit], failed], ignore_index=True)
    return frame


def write_run(tmp_path, name, frame):
    folder = tmp_path / name
    for sweep, rows in frame.groupby("sweep"):
        write_table(rows, folder / sweep / "results.csv")
    return folder


def verdicts(comparison) -> dict:
    return comparison.counts()


# -- the statistics -------------------------------------------------------------------------------


def test_paired_t_matches_scipy():
    rng = np.random.default_rng(0)
    d = rng.normal(0.3, 1.0, size=(50, 4))
    p, low, high = paired_t(d.mean(1), d.std(1, ddof=1), np.full(50, 4))
    from scipy import stats

    expected = stats.ttest_1samp(d, 0.0, axis=1)
    np.testing.assert_allclose(p, expected.pvalue, rtol=1e-10)
    ci = expected.confidence_interval(0.95)
    np.testing.assert_allclose(low, ci.low, rtol=1e-10)
    np.testing.assert_allclose(high, ci.high, rtol=1e-10)
    # zero spread: the limit of the test
    p0, _, _ = paired_t([0.0, 0.2], [0.0, 0.0], [3, 3])
    assert p0.tolist() == [1.0, 0.0]


def test_holm_keeps_nan_and_matches_the_step_down_rule():
    """Holm by hand on the 4 finite p-values: sorted 0.001, 0.03, 0.04, 0.5 -> (m - i + 1) p,
    made monotone, clipped at 1; never below BH's q-value (it controls more)."""
    p = np.array([0.001, np.nan, 0.04, 0.03, 0.5])
    adjusted = holm(p)
    assert np.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 3, 2, 4]], [0.004, 0.09, 0.09, 0.5])
    finite = np.isfinite(p)
    assert np.all(adjusted[finite] >= benjamini_hochberg(p)[finite] - 1e-15)
    assert holm([0.9, 0.8]).tolist() == [1.0, 1.0]


def test_benjamini_hochberg_keeps_nan_and_matches_the_step_up_rule():
    p = np.array([0.001, np.nan, 0.04, 0.03, 0.5])
    q = benjamini_hochberg(p)
    assert np.isnan(q[1])
    # step-up by hand on the 4 finite p-values: sorted 0.001, 0.03, 0.04, 0.5 -> q = p * m / rank,
    # made monotone
    np.testing.assert_allclose(q[[0, 3, 2, 4]], [0.004, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_wilcoxon_cannot_reject_with_few_replicates():
    """Why the paired t test: Wilcoxon's smallest two-sided p-value is 2 / 2^n."""
    from scipy import stats

    for n in (2, 3, 4, 5):
        assert stats.wilcoxon(np.arange(1.0, n + 1)).pvalue == pytest.approx(2 / 2**n)
        assert 2 / 2**n > ALPHA


# -- verdicts on synthetic runs -------------------------------------------------------------------


def test_identical_rerun_and_roundoff_perturbation_are_unchanged(tmp_path):
    base = run_table(run_values())
    perturbed = base.assign(
        value=base["value"] * (1 + 1e-9 * np.random.default_rng(1).choice([-1, 1], len(base)))
    )
    for frame in (base, perturbed):
        comparison = compare_runs(
            write_run(tmp_path, "base", base), write_run(tmp_path, "new", frame)
        )
        assert verdicts(comparison)["unchanged"] == len(comparison.table) == 8 * len(ROWS)
        assert comparison.table["p_value"].isna().all()  # round-off is not tested
        assert not comparison.regressed


def test_degradation_of_one_learner_is_worse_and_exits_1(tmp_path, capsys):
    base = run_table(run_values())
    worse = base.copy()
    hit = (worse["learner"] == "em") & (worse["metric"] == "tv_projected")
    worse.loc[hit, "value"] += 0.02  # tolerance at these values: max(0.005, 0.05 * mean) <= 0.007
    code = main(
        [
            "compare",
            str(write_run(tmp_path, "base", base)),
            str(write_run(tmp_path, "new", worse)),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 1
    table = pd.read_csv(tmp_path / "out/compare.csv")
    flagged = table[table["verdict"] == "worse"]
    assert (
        len(flagged) == 4 * 2
        and set(flagged["learner"]) == {"em"}
        and set(flagged["metric"]) == {"tv_projected"}
    )
    np.testing.assert_allclose(flagged["diff"], 0.02, rtol=1e-9)
    assert (table.loc[table["verdict"] != "worse", "verdict"] == "unchanged").all()
    report = (tmp_path / "out/report.md").read_text()
    assert report.startswith("# gmmlearn compare: REGRESSION") and "## worse (8)" in report
    assert (tmp_path / "out/compare.png").stat().st_size > 10_000
    assert "REGRESSION: 8 worse, 16 unchanged" in capsys.readouterr().out


def test_noisy_degradation_is_found_and_an_improvement_is_better(tmp_path):
    values = run_values()
    # new = base x (effect) x exp(0.03 z): the em TV differences have a coefficient of variation of
    # 1.6 * 0.03 / 0.6 = 0.08, so t ~ sqrt(3) / 0.08 ~ 20 at 2 degrees of freedom (p ~ 0.002)
    noisy = values * np.exp(0.03 * np.random.default_rng(3).standard_normal(values.shape))
    noisy[1::2, :2] *= 1.6  # em's TV 60% worse
    noisy[0::2, 2] *= 0.5  # oracle's W2 halved
    comparison = compare_runs(
        write_run(tmp_path, "base", run_table(values)), write_run(tmp_path, "new", run_table(noisy))
    )
    table = comparison.table
    worse, better = table[table["verdict"] == "worse"], table[table["verdict"] == "better"]
    assert (
        len(worse) == 8
        and set(worse["learner"]) == {"em"}
        and set(worse["metric"]) == {"tv_projected"}
    )
    assert (
        len(better) == 4
        and set(better["learner"]) == {"oracle"}
        and set(better["metric"]) == {"w2"}
    )


def test_a_change_inside_the_tolerance_is_unchanged_whatever_its_p_value(tmp_path):
    base = run_table(run_values())
    new = base.assign(
        value=base["value"] + np.where(base["metric"] == "tv_projected", 0.002, 0.005)
    )
    comparison = compare_runs(write_run(tmp_path, "base", base), write_run(tmp_path, "new", new))
    table = comparison.table
    assert (table["verdict"] == "unchanged").all()
    assert (table["q_value"] < 1e-6).all()  # a constant shift is as significant as can be


def test_pairing_survives_reordered_rows_and_extra_cells(tmp_path):
    values = run_values(n_cells=10)
    base = run_table(values[:8])
    worse = values.copy()
    worse[3, 0] *= 2.0
    new = run_table(worse[2:], cells=list(range(2, 10))).sample(frac=1.0, random_state=5)
    comparison = compare_runs(write_run(tmp_path, "base", base), write_run(tmp_path, "new", new))
    table = comparison.table.set_index(["cell_id", "estimator"])
    assert table.loc[("cell0003", "hist1d_mean"), "verdict"] == "worse"
    assert set(table.loc[table["verdict"] == "missing"].index.get_level_values(0)) == {
        "cell0000",
        "cell0001",
    }
    assert set(table.loc[table["verdict"] == "new"].index.get_level_values(0)) == {
        "cell0008",
        "cell0009",
    }
    assert verdicts(comparison)["unchanged"] == 6 * len(ROWS) - 1


def test_failures_are_now_failing_or_fixed(tmp_path):
    values = run_values()
    base = run_table(
        values, status={(5, 0): "failed", (6, 0): "failed", (6, 1): "failed", (6, 2): "failed"}
    )
    new = run_table(
        values, status={(2, 1): "timeout", (6, 0): "failed", (6, 1): "failed", (6, 2): "failed"}
    )
    comparison = compare_runs(write_run(tmp_path, "base", base), write_run(tmp_path, "new", new))
    table = comparison.table
    assert set(table.loc[table["verdict"] == "now failing", "cell_id"]) == {"cell0002"}
    assert set(table.loc[table["verdict"] == "fixed", "cell_id"]) == {"cell0005"}
    both = table[
        table["cell_id"] == "cell0006"
    ]  # failing on both sides: one row per metric, unchanged
    assert set(both["verdict"]) == {"unchanged"} and set(both["metric"]) == {"tv_projected", "w2"}
    assert comparison.regressed


def test_single_replicate_is_inconclusive_not_worse(tmp_path):
    values = run_values(replicates=1)
    comparison = compare_runs(
        write_run(tmp_path, "base", run_table(values)),
        write_run(tmp_path, "new", run_table(values * 1.5)),
    )
    assert set(comparison.table["verdict"]) == {"inconclusive"} and not comparison.regressed


def test_seeds_must_agree_unless_allowed(tmp_path, capsys):
    base = write_run(tmp_path, "base", run_table(run_values(), seed=7))
    new = write_run(tmp_path, "new", run_table(run_values(seed=1), seed=8))
    assert main(["compare", str(base), str(new), "--out", str(tmp_path / "out")]) == 2
    assert "sweep s: the sweep seeds differ (BASE [7], NEW [8])" in capsys.readouterr().err
    assert (
        main(
            [
                "compare",
                str(base),
                str(new),
                "--out",
                str(tmp_path / "out"),
                "--allow-seed-mismatch",
            ]
        )
        == 0
    )
    assert "tested as independent runs" in (tmp_path / "out/report.md").read_text()


# -- bad input ------------------------------------------------------------------------------------


def test_bad_input_exits_2_naming_the_file(tmp_path, capsys):
    good = write_run(tmp_path, "good", run_table(run_values()))
    empty = tmp_path / "empty"
    empty.mkdir()
    truncated = tmp_path / "truncated/s/results.csv"
    truncated.parent.mkdir(parents=True)
    text = (good / "s/results.csv").read_text()
    truncated.write_text(text[: len(text) // 2].rsplit(",", 3)[0])
    schema = tmp_path / "schema/s/results.csv"
    schema.parent.mkdir(parents=True)
    pd.read_csv(good / "s/results.csv").drop(columns="status").to_csv(schema, index=False)
    other = write_run(tmp_path, "other", run_table(run_values(), sweep="t"))
    twice = tmp_path / "twice/s/results.csv"
    twice.parent.mkdir(parents=True)
    pd.concat([pd.read_csv(good / "s/results.csv")] * 2).to_csv(twice, index=False)
    cut = tmp_path / "cut/s/results.csv"  # cut inside a line's key columns
    cut.parent.mkdir(parents=True)
    cut.write_text(text[: text.index("\n", len(text) // 2) + 1] + "s,cell0001\n")
    cases = [
        (empty, "no results.csv in it or in its sub-folders"),
        (truncated, f"{truncated} is truncated"),
        (cut, f"{cut}: line "),
        (schema.parent.parent, "lacks the column(s) ['status']"),
        (other, "no sweep in common"),
        (tmp_path / "nowhere", "neither a results folder nor a git ref"),
        (twice.parent.parent, "rows repeat a (sweep, cell_id, replicate, metric, estimator)"),
    ]
    for path, message in cases:
        assert main(["compare", str(good), str(path), "--out", str(tmp_path / "out")]) == 2, message
        assert message in capsys.readouterr().err


# -- the false-positive rate under the null -------------------------------------------------------


@pytest.mark.parametrize("replicates", [2, 3, 5])
def test_false_positive_rate_under_the_null_stays_at_alpha(replicates):
    """Many comparisons of two runs that differ only in their seed streams (independent draws of
    the same skewed, correlated values). The rate of comparisons flagging anything must stay at or
    below alpha; the margin is 2 binomial standard errors of the simulation."""
    n_sims, n_cells = 600, 12
    sides = null_sides(n_sims, n_cells, replicates, np.random.default_rng(2024 + replicates))
    table = compare_tables(sides[0], sides[1], describe=[])
    table["sim"] = table["unit"].str.split("/").str[0].astype(int)
    # one comparison per simulation: BH over that comparison's tests only
    q = table.groupby("sim")["p_value"].transform(lambda p: benjamini_hochberg(p.to_numpy()))
    any_test = (q <= ALPHA).groupby(table["sim"]).any().mean()
    any_verdict = (
        ((q <= ALPHA) & (table["diff"].abs() > table["tolerance"]))
        .groupby(table["sim"])
        .any()
        .mean()
    )
    margin = 2 * np.sqrt(ALPHA * (1 - ALPHA) / n_sims)
    assert any_test <= ALPHA + margin, any_test
    assert any_verdict <= any_test


# -- settings inside one run ----------------------------------------------------------------------


def test_two_settings_of_one_run_pair_by_target_and_replicate(tmp_path):
    values = run_values(n_cells=8)
    frame = run_table(values)
    frame["p_learner_partition"] = np.where(frame["learner"] == "em", "global", "warm_start")
    frame["learner"], frame["n_train"] = "diffusion_poly", 1000
    frame["p_target_k"] = (
        frame["cell_id"].str[-4:].astype(int) // 2
    )  # cells 2j and 2j+1 share a target
    frame.loc[frame["p_learner_partition"] == "global", "value"] *= 1.5
    frame = frame.drop(columns="p_learner_n_steps")
    run = write_run(tmp_path, "run", frame)
    comparison = compare_settings(
        run, parse_filter("partition=warm_start"), parse_filter("partition=global")
    )
    table = comparison.table
    assert len(table) == 4 * len(ROWS) and set(table["n_pairs"]) == {3}
    assert set(table.loc[table["metric"] == "tv_projected", "verdict"]) == {"worse"}
    expected = (1.5 * values[1::2] - values[0::2]).mean(
        -1
    )  # (target, row): global minus warm_start
    for (k, estimator), diff in table.set_index(["p_target_k", "estimator"])["diff"].items():
        row = [e for _, e in ROWS].index(estimator)
        assert diff == pytest.approx(expected[int(k), row], rel=1e-12)
    assert (
        main(
            [
                "compare",
                str(run),
                "--a",
                "partition=warm_start",
                "--b",
                "partition=global",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 1
    )


def test_settings_that_select_several_cells_per_target_are_refused(tmp_path, capsys):
    frame = run_table(run_values(n_cells=4)).assign(p_target_k=3)
    frame.loc[frame["learner"] == "em", "p_learner_n_steps"] = (
        np.nan
    )  # two oracle cells, one em cell per target
    run = write_run(tmp_path, "run", frame)
    assert (
        main(
            [
                "compare",
                str(run),
                "--a",
                "learner=oracle",
                "--b",
                "learner=em",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert (
        "selects several cells per target and n_train (they differ in n_steps)"
        in capsys.readouterr().err
    )
    assert (
        main(
            [
                "compare",
                str(run),
                "--a",
                "learner=oracle",
                "--b",
                "learner=oracle,n_steps=30",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "select some of the same rows" in capsys.readouterr().err
    assert parse_filter("weights=[0.3,0.7],learner=em") == {"weights": [0.3, 0.7], "learner": "em"}


def test_filters_read_values_as_yaml_1_2():
    """``sigma=5e-1`` is the number 0.5 (YAML 1.1 left it the text "5e-1", matching nothing),
    ``flag=yes`` the text "yes"; a stored 0.5 is selected."""
    assert parse_filter("sigma=5e-1,flag=yes,k=010") == {"sigma": 0.5, "flag": "yes", "k": 10}
    frame = pd.DataFrame({"p_target_sigma": [0.5, 1.0], "learner": ["em", "em"]})
    assert select_rows(frame, parse_filter("sigma=5e-1")).index.tolist() == [0]


# -- aggregation refuses to mix -------------------------------------------------------------------


def test_aggregate_refuses_mixed_commits_config_hashes_and_duplicates(tmp_path, capsys):
    values = run_values(n_cells=4)
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    write_table(run_table(values[:2], commit="aaaa111"), a)
    write_table(run_table(values[2:], cells=[2, 3], commit="bbbb222"), b)
    out = ["--out", str(tmp_path / "all.csv"), "--summary", str(tmp_path / "summary.csv")]
    assert main(["aggregate", str(a), str(b), *out]) == 2
    err = capsys.readouterr().err
    assert "mix commits: aaaa111 (1 file(s): " in err and str(b) in err
    assert not (tmp_path / "all.csv").exists()
    assert main(["aggregate", str(a), str(b), *out, "--allow-mixed"]) == 0
    write_table(run_table(values[2:], cells=[2, 3], commit="aaaa111", config_hash="h2"), b)
    assert main(["aggregate", str(a), str(b), *out]) == 2
    assert "config hashes in sweep s: h1" in capsys.readouterr().err
    assert main(["aggregate", str(a), str(a), *out, "--allow-mixed"]) == 2
    assert "rows repeat a (sweep, cell_id, replicate, metric, estimator)" in capsys.readouterr().err


# -- metric declarations --------------------------------------------------------------------------


def test_every_registered_metric_declares_how_it_is_compared():
    assert set(METRICS.senses) == set(METRICS.names())
    for name, sense in METRICS.senses.items():
        assert (
            sense.direction in DIRECTIONS
            and sense.unit
            and sense.abs_tol >= 0
            and sense.rel_tol >= 0
        ), name
        assert METRICS.sense_of_row(name) == (name, sense)
        if sense.direction != "none":  # a judged metric has a tolerance; round-off alone is not one
            assert sense.abs_tol > 0, name
    assert METRICS.sense_of_row("diag_cells")[0] == "fit_diagnostics"
    with pytest.raises(ValueError, match="no registered metric writes rows named 'nope'"):
        METRICS.sense_of_row("nope")


def test_a_metric_cannot_be_registered_without_its_sense():
    with pytest.raises(TypeError, match="sense"):
        METRICS.register("undeclared")


# -- overlaid runs in figures ---------------------------------------------------------------------


def test_overlaid_runs_share_colours_first_solid_second_dashed(tmp_path):
    import matplotlib.pyplot as plt

    from gmmlearn.figures.common import lines_by, overlay_runs

    summary = pd.DataFrame(
        {"x": [1, 2, 1, 2], "hue": ["p", "p", "q", "q"], "mean": [1.0, 2.0, 3.0, 4.0]}
    )
    summary = summary.assign(ci_low=summary["mean"] - 0.1, ci_high=summary["mean"] + 0.1)
    both = overlay_runs([summary, summary.assign(mean=summary["mean"] * 1.1)], ["before", "after"])
    fig, ax = plt.subplots()
    lines_by(ax, both, "x", "hue")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"p (before)", "p (after)", "q (before)", "q (after)"}
    for hue in "pq":
        assert lines[f"{hue} (before)"].get_color() == lines[f"{hue} (after)"].get_color()
        assert (
            lines[f"{hue} (before)"].get_linestyle(),
            lines[f"{hue} (after)"].get_linestyle(),
        ) == ("-", "--")
    assert lines["p (before)"].get_color() != lines["q (before)"].get_color()
    plt.close(fig)
    with pytest.raises(ValueError, match="one distinct label per summary"):
        overlay_runs([summary, summary], ["a", "a"])


def test_figure_command_overlays_two_summaries(tmp_path, capsys):
    from gmmlearn.results import aggregate

    summaries = []
    for name, scale in (("before", 1.0), ("after", 1.2)):
        frame = run_table(run_values() * scale).assign(learner="oracle", p_learner_sampler="ddpm")
        frame["p_learner_schedule"] = np.where(
            frame["cell_id"].str[-1].astype(int) % 2, "benton", "geometric"
        )
        path = tmp_path / f"{name}.csv"
        write_table(aggregate(frame), path)
        summaries.append(str(path))
    out = tmp_path / "overlay"
    assert (
        main(["figure", "samplers", *summaries, "--labels", "before", "after", "--out", str(out)])
        == 0
    )
    assert (tmp_path / "overlay.png").stat().st_size > 10_000
    assert main(["figure", "samplers", *summaries, "--labels", "one", "--out", str(out)]) == 2
    assert "one distinct label per summary" in capsys.readouterr().err
