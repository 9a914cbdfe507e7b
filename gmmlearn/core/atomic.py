"""Atomic file writes: write to a temporary file in the destination's folder, then rename.

A reader never sees a half-written file, and an interrupted run leaves the previous version in
place. The result gets the usual permissions (0666 minus the umask), not mkstemp's 0600.

What is replaced is always a regular file: a symlink is followed and its *target* is replaced
atomically (the link stays a link); a destination that exists but is not a regular file (a
device such as ``/dev/stdout``'s target, a FIFO, a socket, a folder) is refused with a
``ValueError``; ``-`` means standard output (see :func:`atomic_path`).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

#: the path that means standard output
STDOUT = "-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def writable_destination(path: str | os.PathLike) -> Path:
    """The regular file that writing ``path`` replaces: symlinks resolved (a dangling link gives
    the file it points to); a ValueError if it exists and is not a regular file."""
    path = Path(path)
    resolved = Path(os.path.realpath(path))
    if resolved.exists() and not stat.S_ISREG(resolved.stat().st_mode):
        shown = str(path) if resolved == path.absolute() else f"{path} (-> {resolved})"
        raise ValueError(
            f"refusing to write {shown}: it exists and is not a regular file "
            f"(use '{STDOUT}' for standard output)"
        )
    return resolved


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path; on success its content replaces ``path``.

    The temporary file sits next to the final destination (after symlinks), so the closing
    rename is atomic. ``path == "-"`` copies the content to standard output instead.
    """
    to_stdout = str(path) == STDOUT
    if to_stdout:
        fd, tmp = tempfile.mkstemp(prefix=".gmmlearn-stdout.")
    else:
        final = writable_destination(path)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=final.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        if to_stdout:
            sys.stdout.flush()
            with open(tmp, "rb") as handle:
                shutil.copyfileobj(handle, sys.stdout.buffer)
            sys.stdout.flush()
            os.unlink(tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
            writable_destination(path)  # still a regular file (or absent) right before the rename
            os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)
