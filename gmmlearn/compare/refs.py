"""Run a workflow config at a git ref, in a temporary worktree with its own results folder.

Like ``asv continuous``: each ref's own code computes its cells. The rules call the ``gmmlearn``
command, which must import the *worktree's* package, not the installed one: ``PYTHONPATH`` puts
the worktree first on ``sys.path``, and path entries win over an editable install (setuptools'
editable finder is appended to ``sys.meta_path``, after the path-based finder). This is checked
before the workflow starts. The environment's installed dependencies serve every ref; a ref that
needs other dependency versions needs its own environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .history import archive


def _git(*args, cwd=".", check=True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=check, timeout=120
    )


def repo_root(path=".") -> Path:
    """The top folder of the git repository holding ``path``."""
    result = _git("rev-parse", "--show-toplevel", cwd=path, check=False)
    if result.returncode:
        raise ValueError(
            f"{Path(path).resolve()} is not inside a git repository: git refs cannot be run"
        )
    return Path(result.stdout.strip())


def resolve_ref(ref: str, repo=".") -> str | None:
    """The full commit hash a ref names, or None when it names no commit."""
    try:
        result = _git(
            "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=repo, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and sha else None


def _environment(tree: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(tree), env.get("PYTHONPATH", "")) if p)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _check_import(tree: Path, env: dict, ref: str) -> None:
    """Refuse to run unless ``import gmmlearn`` resolves inside the worktree."""
    result = subprocess.run(
        [sys.executable, "-c", "import gmmlearn; print(gmmlearn.__file__)"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported = Path(result.stdout.strip() or "?").resolve()
    if result.returncode or not imported.is_relative_to(tree.resolve()):
        raise ValueError(
            f"at {ref}, `import gmmlearn` does not load the worktree's package ({tree}) but "
            f"{imported}: {result.stderr.strip()[-500:]}"
        )


def run_at_ref(ref: str, *, repo, history_dir, configfile=None, cores="all") -> Path:
    """Run the ref's quick config (or ``configfile``) with the ref's code and archive the run in
    ``history_dir/<commit>/`` (:func:`gmmlearn.compare.history.archive`); return that folder. The
    temporary worktree is removed afterwards, whatever happens."""
    repo = Path(repo)
    sha = resolve_ref(ref, repo)
    if sha is None:
        raise ValueError(f"{ref!r} names no commit of {repo}")
    scratch = Path(tempfile.mkdtemp(prefix=f"gmmlearn-{sha[:10]}-"))
    tree = scratch / "tree"
    _git("worktree", "add", "--detach", str(tree), sha, cwd=repo)
    try:
        env = _environment(tree)
        _check_import(tree, env, ref)
        config = Path(configfile).resolve() if configfile else tree / "workflows/config/quick.yaml"
        results = scratch / "results"
        command = [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(tree / "Snakefile"),
            "--cores",
            str(cores),
            "--directory",
            str(tree),
            "--configfile",
            str(config),
            "--config",
            f"results_dir={results}",
            f"figures_dir={scratch / 'figures'}",
        ]
        run = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        if run.returncode:
            raise ValueError(
                f"the workflow failed at {ref} ({sha[:12]}), exit code {run.returncode}:\n"
                + "\n".join(run.stderr.strip().splitlines()[-20:])
            )
        return archive(results, history_dir)
    finally:
        _git("worktree", "remove", "--force", str(tree), cwd=repo, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
