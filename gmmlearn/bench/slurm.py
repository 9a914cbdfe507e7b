"""Pre-flight check of a SLURM run: can Snakemake see its jobs finish?

Snakemake's SLURM executor polls job states with ``sacct`` (its default wherever the command
exists) or ``squeue``. On a cluster without job accounting ``sacct`` fails on every poll, and
the executor keeps waiting for jobs that have long finished: the run hangs, silently. The
workflow calls :func:`check_status_polling` before submitting anything, so such a run stops at
once with a message saying what to change.
"""

from __future__ import annotations

import re
import shutil
import subprocess


class StatusPollingError(RuntimeError):
    """The SLURM executor would not be able to poll the state of its jobs."""


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def min_job_age() -> int | None:
    """Slurm's MinJobAge (seconds a finished job stays visible to squeue), None if unknown."""
    try:
        config = _run(["scontrol", "show", "config"]).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"^MinJobAge\s*=\s*(\d+)", config, re.MULTILINE)
    return int(match.group(1)) if match else None


def effective_status_command(settings) -> str:
    """The command the executor will poll with, given its settings: like the executor, ``squeue``
    gives way to ``sacct`` when finished jobs leave squeue too soon (MinJobAge below three
    initial polling intervals) and sacct exists."""
    command = getattr(settings, "status_command", None) or (
        "sacct" if shutil.which("sacct") else "squeue"
    )
    if command == "squeue" and shutil.which("sacct"):
        age, interval = (
            min_job_age(),
            getattr(settings, "init_seconds_before_status_checks", 40) or 40,
        )
        if age is None or age < 3 * interval:
            return "sacct"
    return command


def check_status_polling(settings) -> str:
    """Run the status command once as the executor would; raise StatusPollingError if it fails.
    Returns the command that works."""
    command = effective_status_command(settings)
    probe = {
        "sacct": ["sacct", "-X", "--noheader", "--format=JobID", "--starttime", "now-1minutes"],
        "squeue": ["squeue", "--noheader", "--me"],
    }.get(command)
    if probe is None:
        raise StatusPollingError(f"unknown SLURM status command {command!r} (use sacct or squeue)")
    try:
        result = _run(probe)
        failed, output = result.returncode != 0, (result.stderr or result.stdout).strip()
    except (OSError, subprocess.SubprocessError) as exc:
        failed, output = True, str(exc)
    if failed:
        hint = (
            "this cluster has no job accounting: poll with squeue instead, "
            "--slurm-status-command squeue (set in workflows/profiles/slurm), and check that "
            "MinJobAge is at least 120 s (scontrol show config)"
            if command == "sacct"
            else "is the Slurm controller reachable from here?"
        )
        raise StatusPollingError(
            f"the SLURM executor cannot poll job states: `{' '.join(probe)}` "
            f"failed ({output or 'no output'}); {hint}"
        )
    return command
