"""Atomic writes never damage what they replace: symlinks, special files, standard output."""

import os
import stat

import pandas as pd
import pytest

from gmmlearn.core.atomic import write_text
from gmmlearn.results import write_table


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "real" / "table.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_table(pd.DataFrame({"a": [1]}), link)
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link stays a link
    assert real.read_text() == "a\n1\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["table.csv"]  # no temporary left


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "sub" / "new.txt")
    write_text(link, "hello")
    assert link.is_symlink() and (tmp_path / "sub" / "new.txt").read_text() == "hello"


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_special_files_are_refused_untouched(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    elif kind == "folder":
        path = tmp_path / "folder"
        path.mkdir()
    else:
        path = tmp_path / "null"
        path.symlink_to("/dev/null")  # like /dev/stdout, a link to a device
    before = os.lstat(path)
    with pytest.raises(ValueError, match="is not a regular file"):
        write_text(path, "x")
    after = os.lstat(path)
    assert (stat.S_IFMT(before.st_mode), before.st_ino) == (
        stat.S_IFMT(after.st_mode),
        after.st_ino,
    )
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_dash_writes_to_standard_output(capfd):
    write_table(pd.DataFrame({"a": [1, 2]}), "-")
    assert capfd.readouterr().out == "a\n1\n2\n"
