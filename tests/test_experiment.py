"""Experiment cells and result tables: seeds, failures, timeouts, atomic writes, aggregation."""

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gmmlearn.experiment import CellSpec, make_cell_target, nested_sample, run_cell
from gmmlearn.results import COLUMNS, aggregate, mean_interval, read_results, tidy_rows, write_table

TARGET = dict(target="isotropic_gmm", target_params=dict(dim=2, k=2, separation=5.0, seed=1))


def _oracle(**params):
    return CellSpec(**TARGET, learner="oracle", learner_params=dict(n_steps=20, **params), n_eval=2000)


def test_a_cell_gives_the_same_numbers_every_time():
    a, b = run_cell(_oracle(), 1), run_cell(_oracle(), 1)
    assert [r["value"] for r in a] == [r["value"] for r in b]
    assert all(r["status"] == "ok" for r in a)
    c = run_cell(_oracle(), 2)
    assert [r["value"] for r in a] != [r["value"] for r in c]


def test_learner_streams_do_not_depend_on_the_metric_list_or_on_n_eval():
    one = run_cell(CellSpec(**TARGET, learner="oracle", learner_params=dict(n_steps=20), n_eval=2000,
                            metrics=["w2"]), 0)
    two = run_cell(CellSpec(**TARGET, learner="oracle", learner_params=dict(n_steps=20), n_eval=2000,
                            metrics=["w2_sliced", "w2"]), 0)
    assert one[0]["value"] == next(r["value"] for r in two if r["metric"] == "w2")


def test_training_data_is_nested_across_sizes():
    target = make_cell_target(_oracle())
    small, large = nested_sample(target, 1500, key=7), nested_sample(target, 5000, key=7)
    np.testing.assert_array_equal(small, large[:1500])
    assert not np.array_equal(large, nested_sample(target, 5000, key=8))


def test_learners_of_a_replicate_share_data_and_floors():
    """Common random numbers: the floor depends on the target and replicate only."""
    oracle = run_cell(_oracle(), 0)
    exact = run_cell(CellSpec(**TARGET, learner="exact", n_eval=2000), 0)
    assert [r["floor"] for r in oracle] == [r["floor"] for r in exact]


def test_a_failing_learner_records_failed_rows_and_does_not_raise():
    rows = run_cell(_oracle(sampler="euler"), 0)
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert "sampler must be one of" in rows[0]["error"] and np.isnan(rows[0]["value"])


def test_a_metric_that_does_not_apply_fails_alone():
    spec = CellSpec(**TARGET, learner="oracle", learner_params=dict(n_steps=10), n_eval=1000,
                    metrics=["tv_exact", "w2"])
    rows = {r["metric"]: r for r in run_cell(spec, 0)}
    assert rows["tv_exact"]["status"] == "failed"
    assert "tv_exact needs a learner with logpdf" in rows["tv_exact"]["error"]
    assert rows["w2"]["status"] == "ok"


def test_timeout_is_recorded():
    rows = run_cell(CellSpec(**TARGET, learner="oracle", learner_params=dict(n_steps=100_000),
                             n_eval=5000), 0, timeout=0.2)
    assert {r["status"] for r in rows} == {"timeout"} and "time limit" in rows[0]["error"]


def test_learners_that_need_data_require_n_train():
    with pytest.raises(ValueError, match="n_train must be an integer >= 1"):
        CellSpec(**TARGET, learner="exact", n_train=0)
    with pytest.raises(ValueError, match="n_eval must be an integer >= 2"):
        CellSpec(**TARGET, learner="exact", n_eval=1)


def test_cell_identity_is_its_content():
    assert _oracle().cell_id() == _oracle().cell_id()
    assert _oracle().cell_id() != _oracle(schedule="benton").cell_id()
    assert _oracle().target_id() == _oracle(schedule="benton").target_id()


def test_tidy_rows_follow_the_schema():
    spec = _oracle(schedule="benton")
    frame = tidy_rows(spec, 0, run_cell(spec, 0), sweep="s", config_hash="h", commit="abc")
    for col in COLUMNS:
        assert col in frame
    assert list(frame.columns[:3]) == ["sweep", "cell_id", "family"]
    assert {"p_target_separation", "p_learner_schedule"} <= set(frame.columns)
    assert frame["git_commit"].eq("abc").all() and frame["dim"].eq(2).all()


def test_atomic_write_leaves_the_old_table_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "results.csv"
    write_table(pd.DataFrame({"a": [1, 2]}), path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # readable like any file, not 0600

    def broken(self, handle, **kwargs):
        handle.write("a\n1\n")  # a partial write, then the process is interrupted
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(KeyboardInterrupt):
        write_table(pd.DataFrame({"a": [7, 8, 9]}), path)
    monkeypatch.undo()
    assert pd.read_csv(path)["a"].tolist() == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_aggregate_over_replicates(tmp_path):
    frames = [tidy_rows(_oracle(), r, run_cell(_oracle(), r), commit="") for r in range(4)]
    failing = _oracle(sampler="euler")
    frames.append(tidy_rows(failing, 0, run_cell(failing, 0), commit=""))
    write_table(pd.concat(frames), tmp_path / "results.csv")
    table = read_results(tmp_path)
    summary = aggregate(table)
    ok = summary[summary["n_ok"] == 4]
    assert len(ok) == 5  # 4 tv_projected estimators + w2
    row = ok[ok["estimator"] == "hist1d_mean"].iloc[0]
    values = table[(table["estimator"] == "hist1d_mean") & (table["status"] == "ok")]["value"]
    assert row["mean"] == pytest.approx(values.mean())
    assert row["stderr"] == pytest.approx(values.std(ddof=1) / 2)
    half = stats.t.ppf(0.975, 3) * row["stderr"]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((row["mean"] - half, row["mean"] + half))
    failed = summary[summary["n_failed"] > 0]
    assert len(failed) == 2 and failed["error"].str.contains("sampler").all()
    assert (failed["n_ok"] == 0).all()
    pd.testing.assert_frame_equal(summary, aggregate(table.sample(frac=1, random_state=0)))


def test_a_failed_replicate_counts_against_every_estimator_of_its_metric():
    spec = _oracle()
    frames = [tidy_rows(spec, r, run_cell(spec, r), commit="") for r in range(3)]
    frames[2] = tidy_rows(spec, 2, run_cell(spec, 2, timeout=1e-4), commit="")
    summary = aggregate(pd.concat(frames, ignore_index=True))
    assert len(summary) == 5  # no separate group for the failed rows
    assert (summary["n_ok"] == 2).all() and (summary["n_failed"] == 1).all()
    assert summary["error"].str.contains("time limit").all()


def test_t_interval_covers_at_its_nominal_level_with_three_replicates():
    """95% intervals from 3 normal replicates cover the mean 95% of the time (20000 trials)."""
    rng = np.random.default_rng(0)
    trials = 20_000
    hits = 0
    for values in rng.normal(1.0, 0.3, size=(trials, 3)):
        _, _, lo, hi = mean_interval(values)
        hits += lo <= 1.0 <= hi
    coverage_se = np.sqrt(0.95 * 0.05 / trials)
    assert abs(hits / trials - 0.95) < 5 * coverage_se
