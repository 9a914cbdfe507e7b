"""The gmmlearn command: list, run, expand, and bad input."""

import json
import shutil
import subprocess

import pandas as pd
import pytest

from gmmlearn.cli import main


def test_list_shows_every_registry(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for word in (
        "families:",
        "isotropic_gmm(dim=None",
        "learners:",
        "oracle(sampler='ddpm'",
        "metrics:",
        "tv_projected(dims=(1, 2)",
        "figures:",
        "samplers",
        "claims:",
        "C5a()",
    ):
        assert word in out


def test_run_writes_tidy_rows(tmp_path, capsys):
    out = tmp_path / "cell.csv"
    code = main(
        [
            "run",
            "--target",
            "isotropic_gmm",
            "--target-param",
            "dim=2",
            "--target-param",
            "k=3",
            "--learner",
            "oracle",
            "--learner-param",
            "n_steps=20",
            "--learner-param",
            "schedule=benton",
            "--n-eval",
            "2000",
            "--metric",
            "w2",
            "--metric",
            "tv_projected:{dims: [1]}",
            "--seed",
            "7",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    frame = pd.read_csv(out)
    assert set(frame["metric"]) == {"w2", "tv_projected"} and (frame["status"] == "ok").all()
    assert frame["p_learner_schedule"].eq("benton").all() and frame["dim"].eq(2).all()
    assert "floor" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--target", "nope", "--learner", "exact"],
            "unknown target family 'nope'; valid names are",
        ),
        (
            ["--target", "isotropic_gmm", "--target-param", "dim=0", "--learner", "exact"],
            "dim must be an integer >= 1",
        ),
        (
            ["--target", "isotropic_gmm", "--learner", "exact", "--n-train", "0"],
            "n_train must be an integer >= 1",
        ),
        (["--target", "isotropic_gmm", "--learner", "gan"], "unknown learner 'gan'"),
        (
            ["--target", "isotropic_gmm", "--learner", "exact", "--metric", "kl"],
            "unknown metric 'kl'",
        ),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, args, message):
    assert main(["run", *args, "--out", str(tmp_path / "x.csv")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


#: a cell that fails when it runs: EM with 3 components on 2 training points
FAILING = [
    "run",
    "--target",
    "isotropic_gmm",
    "--learner",
    "em",
    "--n-train",
    "2",
    "--n-eval",
    "100",
    "--metric",
    "tv_projected",
]


def test_failed_cell_writes_rows_and_exits_3(tmp_path):
    out = tmp_path / "cell.csv"
    assert main([*FAILING, "--out", str(out)]) == 3
    frame = pd.read_csv(out)
    assert frame["status"].eq("failed").all() and frame["error"].str.contains("at least").all()


def test_a_skipped_metric_is_not_a_failure(tmp_path, capsys):
    """tv_exact needs a density the oracle has not: its row is skipped with the reason, and the
    command exits 0 (skipped is not failed)."""
    out = tmp_path / "cell.csv"
    args = ["run", "--target", "isotropic_gmm", "--learner", "oracle", "--learner-param"]
    code = main([*args, "n_steps=5", "--metric", "tv_exact", "--n-eval", "100", "--out", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    assert (
        frame["status"].tolist() == ["skipped"]
        and "needs a learner with logpdf" in frame["error"].iloc[0]
    )
    assert "tv_exact skipped: tv_exact needs a learner with logpdf" in capsys.readouterr().out


def test_expand_validates_a_config(tmp_path, capsys):
    assert main(["expand", "workflows/config/quick.yaml"]) == 0
    assert "samplers:" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("sweeps: {s: {grid: [{target: {name: nope}, learner: {name: exact}}]}}")
    assert main(["expand", str(bad)]) == 2
    assert "unknown target family 'nope'" in capsys.readouterr().err


def test_console_script_is_installed():
    exe = shutil.which("gmmlearn")
    assert exe, "the gmmlearn console script is not on PATH: install the package (pip install -e .)"
    result = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("gmmlearn ")


RUN = ["run", "--target", "isotropic_gmm", "--target-param", "dim=2", "--n-eval", "300"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--target-param", "k=true", "--learner", "exact"], "k must be an integer >= 1, got True"),
        (
            ["--target-param", "seed=yes", "--learner", "exact"],
            "seed must be an integer >= 0, got 'yes'",
        ),
        (
            ["--learner", "exact", "--n-eval", "4"],
            "n_eval=4 is too small for metric 'w2': it needs n_eval >= 6",
        ),
        (
            ["--learner", "exact", "--n-eval", "10", "--metric", "tv_classifier"],
            "n_eval=10 is too small for metric 'tv_classifier': it needs n_eval >= 100",
        ),
        (
            ["--learner", "exact", "--timeout", "0"],
            "timeout must be a finite number of seconds > 0, got '0'",
        ),
        (
            ["--learner", "exact", "--timeout", "-1"],
            "timeout must be a finite number of seconds > 0",
        ),
        (
            ["--learner", "exact", "--timeout", "nan"],
            "timeout must be a finite number of seconds > 0, got 'nan'",
        ),
        (["--learner", "exact", "--seed", "-1"], "seed must be an integer >= 0, got '-1'"),
        (["--learner", "exact", "--seed", "true"], "seed must be an integer >= 0, got 'true'"),
        (
            ["--learner", "exact", "--metric", "w2:{n_subsample: "],
            "metric 'w2': cannot read its parameters",
        ),
        (
            ["--learner", "exact", "--metric", "w2:[1, 2]"],
            "metric 'w2': parameters must be a mapping",
        ),
        (["--learner", "exact", "--metric", ":"], "expected a metric name or name:{params}"),
        (
            ["--learner", "oracle", "--learner-param", "foo=1"],
            "learner 'oracle' got unknown parameter(s) ['foo']",
        ),
        (
            ["--learner", "oracle", "--learner-param", "n_steps=0"],
            "learner 'oracle': n_steps must be an integer >= 1, got 0",
        ),
        (
            ["--learner", "oracle", "--learner-param", "sampler=euler"],
            "sampler must be one of ['ddpm', 'exponential', 'heun']",
        ),
        (["--learner", "em"], "learner 'em' needs training data: set n_train >= 1"),
    ],
)
def test_bad_input_exits_2_naming_the_parameter(tmp_path, capsys, args, message):
    out = tmp_path / "x.csv"
    assert main([*RUN, *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_numbers_are_read_as_yaml_1_2(tmp_path):
    out = tmp_path / "cell.csv"
    assert (
        main(
            [
                *RUN,
                "--target-param",
                "sigma=5e-1",
                "--learner",
                "exact",
                "--metric",
                "tv_projected",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert pd.read_csv(out)["p_target_sigma"].eq(0.5).all()


def test_refuses_to_replace_a_device_and_writes_dash_to_stdout(tmp_path, capfd):
    link = tmp_path / "stdout"
    link.symlink_to("/dev/null")
    assert main([*RUN, "--learner", "exact", "--out", str(link)]) == 2
    assert "is not a regular file" in capfd.readouterr().err and link.is_symlink()
    assert main([*RUN, "--learner", "exact", "--metric", "tv_projected", "--out", "-"]) == 0
    captured = capfd.readouterr()
    assert captured.out.startswith("sweep,cell_id,family") and "wrote 4 rows to -" in captured.err


def _summary(tmp_path, **extra):
    """A one-cell oracle sweep aggregated by the command line; returns the summary's path."""
    cell = tmp_path / "cell.csv"
    assert (
        main(
            [
                "run",
                "--target",
                "isotropic_gmm",
                "--learner",
                "oracle",
                "--learner-param",
                "n_steps=10",
                "--n-eval",
                "600",
                "--out",
                str(cell),
            ]
        )
        == 0
    )
    summary = tmp_path / "summary.csv"
    assert (
        main(
            [
                "aggregate",
                str(cell),
                "--out",
                str(tmp_path / "results.csv"),
                "--summary",
                str(summary),
            ]
        )
        == 0
    )
    return cell, summary


def test_figure_and_aggregate_on_wrong_files_exit_2_with_a_message(tmp_path, capsys):
    cell, summary = _summary(tmp_path)
    capsys.readouterr()
    truncated = tmp_path / "truncated.csv"
    truncated.write_text(cell.read_text()[:-40])
    no_status = tmp_path / "no_status.csv"
    pd.read_csv(cell).drop(columns="status").to_csv(no_status, index=False)
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    cases = [
        (["aggregate", str(truncated)], "is truncated"),
        (["aggregate", str(no_status)], "lacks the column(s) ['status']"),
        (["aggregate", str(summary)], "is not a result table"),
        (["aggregate", str(garbage)], "garbage.csv is not"),
        (["aggregate", str(tmp_path / "missing.csv")], "no result table at"),
        (
            ["figure", "samplers", str(cell)],
            "is a result table (one row per replicate), not a summary",
        ),
        (["figure", "samplers", str(truncated)], "is truncated"),
        (["figure", "samplers", str(garbage)], "garbage.csv is not"),
        (["figure", "samplers", str(tmp_path)], "is not a file"),
    ]
    for args, message in cases:
        extra = (
            ["--out", str(tmp_path / "a.csv"), "--summary", str(tmp_path / "s.csv")]
            if args[0] == "aggregate"
            else ["--out", str(tmp_path / "fig")]
        )
        assert main([*args, *extra]) == 2, args
        assert message in capsys.readouterr().err, args


def test_a_figure_draws_a_sweep_that_never_set_an_optional_parameter(tmp_path):
    """The sweep never set the oracle's schedule: its rows record the default (resolved
    parameters), which the figure draws without knowing the learner's defaults."""
    _, summary = _summary(tmp_path)
    assert set(pd.read_csv(summary)["p_learner_schedule"]) == {"geometric"}
    assert main(["figure", "samplers", str(summary), "--out", str(tmp_path / "fig")]) == 0
    assert (tmp_path / "fig.png").stat().st_size > 10_000


def test_status_lists_failures_and_strict_exits_3(tmp_path, capsys):
    ok, _ = _summary(tmp_path)
    bad = tmp_path / "bad.csv"
    assert main([*FAILING, "--out", str(bad)]) == 3
    skipped = tmp_path / "skipped.csv"
    assert main([*RUN, "--learner", "oracle", "--metric", "tv_exact", "--out", str(skipped)]) == 0
    capsys.readouterr()
    assert main(["status", str(ok), "--strict", "--out", str(tmp_path / "status.txt")]) == 0
    assert "0 failed, 0 timeout, 0 skipped" in (tmp_path / "status.txt").read_text()
    assert main(["status", str(ok), str(skipped), "--strict"]) == 0  # skipped is not failed
    assert "1 skipped; 0 cell(s) with a failure" in capsys.readouterr().out
    assert main(["status", str(ok), str(bad), "--strict", "--out", str(tmp_path / "s2.txt")]) == 3
    err = capsys.readouterr().err
    assert "needs at least as many samples" in err and not (tmp_path / "s2.txt").exists()


def test_list_json_is_machine_readable(capsys):
    assert main(["list", "learners", "--json"]) == 0
    learners = {e["name"]: e for e in json.loads(capsys.readouterr().out)["learners"]}
    steps = next(p for p in learners["oracle"]["parameters"] if p["name"] == "n_steps")
    assert steps == {
        "name": "n_steps",
        "required": False,
        "default": 200,
        "allowed": "an integer >= 1",
    }


def test_verbose_logs_each_stage_of_a_cell(tmp_path, capfd):
    assert (
        main(
            [
                "-v",
                *RUN,
                "--learner",
                "oracle",
                "--learner-param",
                "n_steps=5",
                "--out",
                str(tmp_path / "c.csv"),
            ]
        )
        == 0
    )
    err = capfd.readouterr().err
    for stage in (
        "oracle fitted in",
        "300 samples drawn in",
        "metric tv_projected done in",
        "metric w2 done in",
    ):
        assert stage in err, stage
