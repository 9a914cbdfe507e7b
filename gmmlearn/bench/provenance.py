"""Where a result row was computed: software versions, machine, and the source's git commit.

The one provenance record: every row carries it (like benchopt's result files), so that two
tables can be told apart when they disagree, and an archived run keeps it in its
``provenance.json``; never part of a cell's identity. Computed once per process.
"""

from __future__ import annotations

import platform
import socket
import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from threadpoolctl import threadpool_info

#: distribution name of each recorded version, by column
VERSIONS = {
    "python_version": None,
    "numpy_version": "numpy",
    "scipy_version": "scipy",
    "pandas_version": "pandas",
    "sklearn_version": "scikit-learn",
    "pot_version": "POT",
    "snakemake_version": "snakemake",
}

#: the package's own source inside its checkout: a change anywhere else (results, figures,
#: notes) does not make the code "dirty"
SOURCE_PATHS = ("gmmlearn", "workflows", "Snakefile", "pyproject.toml")


def _version(distribution: str | None) -> str:
    if distribution is None:
        return platform.python_version()
    try:
        return version(distribution)
    except PackageNotFoundError:
        return ""


@lru_cache(maxsize=1)
def gmmlearn_version() -> str:
    """The installed gmmlearn's version ('0+unknown' in a source tree without installation)."""
    return _version("gmmlearn") or "0+unknown"


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo, else the platform's processor string)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_threads() -> int | None:
    """Threads of the BLAS library numpy uses (threadpoolctl), None when unknown."""
    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(counts) if counts else None


@lru_cache(maxsize=1)
def provenance() -> dict:
    """Versions, host, operating system, CPU model and BLAS threads of this process."""
    return {
        **{column: _version(dist) for column, dist in VERSIONS.items()},
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "blas_threads": blas_threads(),
    }


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20, check=True
    ).stdout.strip()


@lru_cache(maxsize=1)
def git_commit() -> str:
    """``HEAD`` of the git checkout the imported gmmlearn package lives in, with ``-dirty`` when
    its source (:data:`SOURCE_PATHS`, tracked or untracked, not ignored) differs from ``HEAD``;
    '' when the package is not imported from a checkout (e.g. installed into site-packages)."""
    package = Path(__file__).resolve().parents[1]
    try:
        root = Path(_git(package, "rev-parse", "--show-toplevel"))
        if not (root / "gmmlearn" / "__init__.py").is_file() or not (root / "gmmlearn").samefile(
            package
        ):
            return ""  # a git repository that merely contains an installed copy
        head = _git(root, "rev-parse", "HEAD")
        changes = _git(root, "status", "--porcelain", "--", *SOURCE_PATHS)
    except (OSError, subprocess.SubprocessError):
        return ""
    return head + ("-dirty" if changes else "")
