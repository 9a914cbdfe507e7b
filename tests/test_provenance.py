"""git_commit: the package's own checkout, dirty only when its source changed."""

import subprocess

import pytest

from gmmlearn.bench import provenance


def _git(root, *args):
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A git checkout holding a gmmlearn package, seen as where the package was imported from."""
    root = tmp_path / "repo"
    (root / "gmmlearn" / "bench").mkdir(parents=True)
    (root / "gmmlearn" / "__init__.py").write_text("")
    (root / "gmmlearn" / "bench" / "provenance.py").write_text("")
    (root / "Snakefile").write_text("")
    (root / ".gitignore").write_text("results/\n")
    _git(tmp_path, "init", "-q", str(root))
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    monkeypatch.setattr(provenance, "__file__", str(root / "gmmlearn" / "bench" / "provenance.py"))
    provenance.git_commit.cache_clear()
    yield root
    provenance.git_commit.cache_clear()


def test_commit_of_the_package_checkout_not_of_the_current_directory(
    checkout, tmp_path, monkeypatch
):
    other = tmp_path / "elsewhere"
    other.mkdir()
    _git(tmp_path, "init", "-q", str(other))
    monkeypatch.chdir(other)
    assert provenance.git_commit() == _git(checkout, "rev-parse", "HEAD")


def test_outputs_and_notes_do_not_make_it_dirty_but_source_does(checkout):
    head = _git(checkout, "rev-parse", "HEAD")
    (checkout / "results").mkdir()
    (checkout / "results" / "table.csv").write_text("a\n")
    (checkout / "paper_figures").mkdir()
    (checkout / "paper_figures" / "fig.png").write_bytes(b"png")
    (checkout / "notes.md").write_text("notes")
    assert provenance.git_commit() == head
    provenance.git_commit.cache_clear()
    (checkout / "gmmlearn" / "new_learner.py").write_text("x = 1\n")
    assert provenance.git_commit() == head + "-dirty"


def test_no_commit_when_the_package_is_not_in_a_checkout(tmp_path, monkeypatch):
    (tmp_path / "site" / "gmmlearn" / "bench").mkdir(parents=True)
    monkeypatch.setattr(
        provenance, "__file__", str(tmp_path / "site" / "gmmlearn" / "bench" / "provenance.py")
    )
    provenance.git_commit.cache_clear()
    try:
        assert provenance.git_commit() == ""
    finally:
        provenance.git_commit.cache_clear()
