"""Run a function in a forked child process with a deadline and a memory measurement.

:func:`run_forked` forks; the child calls ``work(send)``, where ``send(message)`` passes a
picklable message to the parent as soon as it is produced, then exits. A replicate's child
sends small dataclasses, one :class:`FitReport` then one :class:`MetricReport` per metric, never
positional tuples. The parent collects the
messages until the child is done or the deadline passes, when it kills the child with SIGKILL:
a process-level limit that also stops a long call inside C code (where SIGALRM would wait for
the call to return). The child's peak resident memory comes from ``wait4``: a measurement of the
child alone, with nothing (like tracemalloc) slowing the work it measures.

The child limits OpenMP to one thread: GNU OpenMP's thread pool does not survive ``fork``, and a
child that starts a parallel region after its parent used one waits forever. BLAS (OpenBLAS) is
fork-safe and keeps its threads.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Pipe

from threadpoolctl import threadpool_limits


@dataclass(frozen=True)
class FitReport:
    """How a replicate's data, fit and sampling ended: ``status`` ``ok``, ``failed`` or
    ``skipped`` (the learner does not apply), the ``message`` if not ok, and ``parameter``: the
    learner parameter a failure names (bad input, when the caller is strict)."""

    timing: dict
    status: str = "ok"
    message: str = ""
    parameter: str | None = None


@dataclass(frozen=True)
class MetricReport:
    """One metric of a replicate: its rows if ``ok``, else its ``failed`` / ``skipped`` message."""

    index: int
    rows: list
    status: str = "ok"
    message: str = ""


@dataclass(frozen=True)
class _Done:
    """The child's last message: ``work`` returned."""


@dataclass
class ForkedResult:
    #: the messages the child sent, in order
    messages: list = field(default_factory=list)
    #: "done" (work returned), "timeout" (killed at the deadline) or "died" (anything else)
    outcome: str = "done"
    #: why the child died, when outcome is "died"
    detail: str = ""
    #: peak resident memory of the child process, MB (it includes the parent's pages the
    #: child inherited and touched: the interpreter and imported libraries)
    peak_mb: float = float("nan")
    seconds: float = float("nan")
    #: CPU time of the child (user + system), seconds: what the replicate cost, whatever else
    #: the machine was doing
    cpu_seconds: float = float("nan")


def _peak_mb(rusage) -> float:
    # ru_maxrss is kilobytes on Linux, bytes on macOS
    return rusage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = (
            signal.Signals(number).name
            if number in signal.Signals._value2member_map_
            else str(number)
        )
        hint = " (out of memory?)" if number == signal.SIGKILL else ""
        return f"killed by signal {number} ({name}){hint}"
    return f"exited with code {os.WEXITSTATUS(status)} before finishing"


def _child(work: Callable, writer) -> None:
    """Body of the child: never returns (os._exit), whatever happens."""
    code = 0
    try:
        threadpool_limits(1, user_api="openmp")
        work(writer.send)
        writer.send(_Done())
    except BaseException:  # noqa: BLE001  (reported through the exit code and stderr)
        traceback.print_exc()
        code = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def run_forked(work: Callable[[Callable], None], timeout: float | None = None) -> ForkedResult:
    """Run ``work(send)`` in a forked child; kill it after ``timeout`` seconds (None: no limit)."""
    reader, writer = Pipe(duplex=False)
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child; coverage cannot follow it)
        reader.close()
        _child(work, writer)
    writer.close()
    result = ForkedResult()
    deadline = None if timeout is None else start + timeout
    try:
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                result.outcome = "timeout"
                os.kill(pid, signal.SIGKILL)
                break
            if not reader.poll(remaining):
                continue
            try:
                message = reader.recv()
            except EOFError:  # the child exited without saying it was done
                result.outcome = "died"
                break
            if isinstance(message, _Done):
                break
            result.messages.append(message)
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # e.g. KeyboardInterrupt in the parent: no orphan left
        os.wait4(pid, 0)
        raise
    finally:
        reader.close()
    _, status, rusage = os.wait4(pid, 0)
    result.seconds = time.monotonic() - start
    result.peak_mb = _peak_mb(rusage)
    result.cpu_seconds = rusage.ru_utime + rusage.ru_stime
    if result.outcome == "died":
        result.detail = _describe_exit(status)
    return result
