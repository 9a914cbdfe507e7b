"""Experiment cells and result tables: seeds, failures, timeouts, atomic writes, aggregation."""

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gmmlearn.bench.cell import CellSpec
from gmmlearn.bench.experiment import make_cell_target, nested_sample, run_cell, tidy_rows
from gmmlearn.core.stats import mean_interval
from gmmlearn.results import COLUMNS, aggregate, read_results, write_table

TARGET = dict(target="isotropic_gmm", target_params=dict(dim=2, k=2, separation=5.0, seed=1))


def _oracle(**params):
    return CellSpec(
        **TARGET, learner="oracle", learner_params=dict(n_steps=20, **params), n_eval=2000
    )


def test_a_cell_gives_the_same_numbers_every_time():
    a, b = run_cell(_oracle(), 1), run_cell(_oracle(), 1)
    assert [r["value"] for r in a] == [r["value"] for r in b]
    assert all(r["status"] == "ok" for r in a)
    c = run_cell(_oracle(), 2)
    assert [r["value"] for r in a] != [r["value"] for r in c]


def test_learner_streams_do_not_depend_on_the_metric_list_or_on_n_eval():
    one = run_cell(
        CellSpec(
            **TARGET, learner="oracle", learner_params=dict(n_steps=20), n_eval=2000, metrics=["w2"]
        ),
        0,
    )
    two = run_cell(
        CellSpec(
            **TARGET,
            learner="oracle",
            learner_params=dict(n_steps=20),
            n_eval=2000,
            metrics=["w2_sliced", "w2"],
        ),
        0,
    )
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


def test_a_metric_that_does_not_apply_is_skipped_alone_with_its_reason():
    spec = CellSpec(
        **TARGET,
        learner="oracle",
        learner_params=dict(n_steps=10),
        n_eval=1000,
        metrics=["tv_exact", "w2"],
    )
    rows = {r["metric"]: r for r in run_cell(spec, 0)}
    assert rows["tv_exact"]["status"] == "skipped"
    assert rows["tv_exact"]["error"].startswith("tv_exact needs a learner with logpdf")
    assert rows["w2"]["status"] == "ok"


def test_a_learner_outside_its_precondition_is_skipped_not_failed():
    """The tensor method needs k <= dim: with k = 3 in dimension 2 every metric row of the cell
    is skipped with that reason; a failure of the same cell (a bad value) stays failed."""
    spec = CellSpec(
        **TARGET,
        learner="moments_tensor",
        learner_params=dict(n_components=3),
        n_train=500,
        n_eval=300,
        metrics=["tv_projected", "w1_mixing"],
    )
    rows = run_cell(spec, 0)
    assert [r["status"] for r in rows] == ["skipped", "skipped"]
    assert "needs k <= dim" in rows[0]["error"] and np.isnan(rows[0]["value"])
    bad = CellSpec(**{**spec.as_dict(), "learner_params": dict(n_components=2, n_iter=0)})
    assert {r["status"] for r in run_cell(bad, 0)} == {"failed"}


def test_timeout_is_recorded():
    rows = run_cell(
        CellSpec(**TARGET, learner="oracle", learner_params=dict(n_steps=100_000), n_eval=5000),
        0,
        timeout=0.2,
    )
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


def test_rows_record_resolved_parameters_but_the_cell_id_is_the_spec_as_given():
    """Every learner and target parameter is a column, defaults filled in (n_steps given, the
    sampler's default ddpm, T's default None), the injected target left out; the cell id digests
    the spec as given, so it does not change when rows record more."""
    spec = _oracle()
    frame = tidy_rows(spec, 0, run_cell(spec, 0), commit="")
    row = frame.iloc[0]
    assert row["p_learner_n_steps"] == 20 and row["p_learner_sampler"] == "ddpm"
    assert pd.isna(row["p_learner_T"]) and "p_learner_target" not in frame
    assert row["p_target_separation"] == 5.0 and row["p_target_sigma"] == 1.0
    assert row["p_target_means"] is None or pd.isna(row["p_target_means"])
    assert row["cell_id"] == spec.cell_id() == _oracle().cell_id()
    far = CellSpec(target="far_groups", learner="exact", n_eval=500, metrics=["tv_projected"])
    (weights, *_) = tidy_rows(far, 0, run_cell(far, 0), commit="")["p_target_weights"]
    assert weights == "[0.35, 0.15, 0.2, 0.3]"  # a list default, as canonical JSON text


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
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (row["mean"] - half, row["mean"] + half)
    )
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


def _exact_with_fit(monkeypatch, fit):
    """The exact learner with its fit replaced (the forked replicate inherits the patch)."""
    from gmmlearn.learners.reference import ExactSampler

    original = ExactSampler.fit

    def patched(self, X=None, random_state=None):
        fit()
        return original(self, X, random_state)

    monkeypatch.setattr(ExactSampler, "fit", patched)
    return CellSpec(**TARGET, learner="exact", n_eval=600, metrics=["tv_projected"])


def test_timeout_stops_a_long_call_inside_c_code(monkeypatch):
    """A 5000 x 5000 product on one BLAS thread (2.5e11 flops: seconds on any CPU; 7.6 s here)
    never returns to Python before it ends, so SIGALRM could not stop it; the process limit does."""
    import time

    from threadpoolctl import threadpool_limits

    a = np.ones((5000, 5000))
    spec = _exact_with_fit(monkeypatch, lambda: a @ a)
    with threadpool_limits(
        1, user_api="blas"
    ):  # set before the clock starts; the child inherits it
        start = time.monotonic()
        rows = run_cell(spec, 0, timeout=0.5)
        elapsed = time.monotonic() - start
    assert elapsed < 2.0  # the deadline, fork and kill; far below the product's duration
    assert {r["status"] for r in rows} == {"timeout"} and "time limit of 0.5 s" in rows[0]["error"]


def test_fit_is_timed_without_tracemalloc_and_memory_is_the_processes_peak(monkeypatch):
    import tracemalloc

    def fit():
        if tracemalloc.is_tracing():
            raise RuntimeError("tracemalloc is running during the fit")
        block = np.ones(300 * 2**20 // 8)  # 300 MB, touched
        assert block.sum() > 0

    baseline = run_cell(
        CellSpec(**TARGET, learner="exact", n_eval=600, metrics=["tv_projected"]), 0
    )
    rows = run_cell(_exact_with_fit(monkeypatch, fit), 0)
    assert {r["status"] for r in rows} == {"ok"}, rows[0]["error"]
    assert rows[0]["peak_mb"] > baseline[0]["peak_mb"] + 290


def test_a_replicate_whose_process_dies_is_recorded(monkeypatch):
    import os
    import signal

    rows = run_cell(_exact_with_fit(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL)), 0)
    assert {r["status"] for r in rows} == {"failed"}
    assert "killed by signal 9 (SIGKILL)" in rows[0]["error"]


def test_metrics_finished_before_a_timeout_keep_their_values(monkeypatch):
    import time

    import gmmlearn.metrics.wasserstein as wasserstein

    monkeypatch.setattr(wasserstein, "emd_w2", lambda X, Y: time.sleep(60))
    spec = CellSpec(**TARGET, learner="exact", n_eval=600, metrics=["tv_projected", "w2"])
    rows = run_cell(spec, 0, timeout=3.0)
    status = {r["metric"]: r["status"] for r in rows}
    assert status == {"tv_projected": "ok", "w2": "timeout"}


def test_replicates_run_in_a_child_process_with_the_same_values_as_before():
    """A value computed in the parent (the pre-fork code path) equals the replicate's row."""
    from gmmlearn.core.seeds import stable_seed
    from gmmlearn.learners import make_learner
    from gmmlearn.metrics import evaluate_one

    spec = _oracle()
    (row, *_) = run_cell(spec, 1, sweep_seed=5)
    target = make_cell_target(spec)
    key = stable_seed(spec.target_id())

    def stream(*k):
        return np.random.default_rng(np.random.SeedSequence([5, *k, 1]))

    learner = make_learner("oracle", target=target, n_steps=20).fit(
        None, random_state=stream(stable_seed(spec.target_id(), "oracle", None), 0)
    )
    Y = learner.sample(spec.n_eval, random_state=stream(key, spec.n_eval, 1))
    seed = int(stream(key, spec.n_eval, 2).integers(2**63 - 1))
    assert evaluate_one(target, learner, Y, "tv_projected", seed)[0]["value"] == row["value"]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(timeout=0), "timeout must be > 0"),
        (dict(timeout=float("nan")), "timeout must be > 0"),
        (dict(sweep_seed=-1), "sweep_seed must be an integer >= 0"),
        (dict(sweep_seed=True), "sweep_seed must be an integer >= 0, got True"),
    ],
)
def test_run_cell_checks_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_cell(_oracle(), 0, **kwargs)


def test_every_row_carries_its_provenance():
    from gmmlearn.results.schema import PROVENANCE

    spec = _oracle()
    frame = tidy_rows(spec, 0, run_cell(spec, 0), sweep="s", sweep_seed=11)
    for column in PROVENANCE:
        assert column in frame
    row = frame.iloc[0]
    assert row["sweep_seed"] == 11 and row["numpy_version"] == np.__version__
    assert row["python_version"].count(".") == 2 and row["host"] and row["cpu_model"]
    assert row["sklearn_version"] and row["pot_version"] and row["snakemake_version"]
    assert row["cell_id"] == spec.cell_id()  # provenance never enters the cell's identity
