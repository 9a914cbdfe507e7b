"""Progress bars for long loops (a fit's noise levels, a sampler's steps).

Shown only on an interactive terminal (stderr is a TTY): silent in pipes, the workflow's logs
and the tests.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress(iterable, *, total: int | None = None, desc: str = "", show: bool | None = None):
    """``iterable`` wrapped in a transient tqdm bar when ``show`` (default: stderr is a TTY)."""
    show = sys.stderr.isatty() if show is None else bool(show)
    return tqdm(iterable, total=total, desc=desc, leave=False, disable=not show)
