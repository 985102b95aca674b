"""Running a parser of uploaded bytes in a child process, so that nothing a file does can
take the app down.

The Excel readers are Rust (calamine, through fastexcel). On a damaged file they may panic
(`pyo3_runtime.PanicException`, a BaseException), and on a file that claims a huge sheet they
abort the whole process when an allocation fails (SIGABRT: no `try` sees it). So every parse
of an uploaded workbook runs in a child forked from a small server process that has the
readers imported already (about 10 ms a child), with an address-space cap and a time limit.
A child that panics, aborts, runs out of its memory or time becomes a `WorkbookError` with a
reason; the app process never parses a workbook itself.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from sam_core.errors import WorkbookError

_CONTEXT = multiprocessing.get_context("forkserver")
# The server imports the readers once; each child is a fork of it with them loaded (and without
# the app's main module: see reader_server).
_CONTEXT.set_forkserver_preload(["sam_core.ingest.reader_server"])
_ALLOCATION = re.compile(r"memory allocation of (\d+) bytes failed")


class Refused(Exception):
    """Raised inside a child: the file is refused with this message (becomes WorkbookError)."""


def run(func: Callable[..., Any], *args: Any, memory_mb: int, timeout_s: float, label: str) -> Any:
    """`func(*args)` in a child process with `memory_mb` of address space and `timeout_s`
    seconds; its (picklable) result, or WorkbookError saying why there is none. `label`
    names the file (and sheet) in messages."""
    messages = _messages(func, args, False, memory_mb, timeout_s, label)
    try:
        return next(messages)
    finally:
        messages.close()


def stream(
    func: Callable[..., Any], *args: Any, memory_mb: int, timeout_s: float, label: str
) -> Iterator[Any]:
    """Like `run`, for `func(emit, *args)` that calls `emit(item)` for each result as it is
    ready: yields the items, then WorkbookError if the child died or ran out of time."""
    return _messages(func, args, True, memory_mb, timeout_s, label)


def _messages(func, args, streaming: bool, memory_mb: int, timeout_s: float, label: str) -> Iterator[Any]:
    receive, send = _CONTEXT.Pipe(duplex=False)
    fd, err_path = tempfile.mkstemp(prefix="sam-reader-", suffix=".err")
    os.close(fd)
    child = _CONTEXT.Process(
        target=_child, args=(send, err_path, memory_mb, func, args, streaming), daemon=True, name="sam-reader"
    )
    try:
        child.start()  # the first start also starts the fork server: not counted in the time limit
        deadline = time.monotonic() + timeout_s
        send.close()
        while True:
            ready = wait([receive, child.sentinel], max(deadline - time.monotonic(), 0))
            if not ready:
                raise WorkbookError(
                    f"{label}: reading it took longer than {timeout_s:,.0f} seconds and was stopped; the "
                    "file is damaged or far larger than it looks. Open and save it in Excel, or split it, "
                    "then upload again."
                )
            if receive not in ready and not receive.poll(0):
                child.join()
                raise WorkbookError(_death_message(label, child.exitcode, Path(err_path), memory_mb))
            try:
                status, value = receive.recv()
            except (EOFError, OSError):
                child.join(timeout=10)
                raise WorkbookError(
                    _death_message(label, child.exitcode, Path(err_path), memory_mb)
                ) from None
            if status == "item" or status == "ok":
                yield value
                if status == "ok":
                    return
            elif status == "end":
                return
            else:
                raise WorkbookError(f"{label}: {value}")
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join(timeout=10)
        Path(err_path).unlink(missing_ok=True)


def _death_message(label: str, exitcode: int | None, err_path: Path, memory_mb: int) -> str:
    try:
        errors = err_path.read_text(errors="replace")[-4000:]
    except OSError:
        errors = ""
    wanted = _ALLOCATION.search(errors)
    if wanted:
        need = int(wanted.group(1))
        size = f"{need / 2**30:,.0f} GB" if need >= 2**30 else f"{need / 2**20:,.0f} MB"
        return (
            f"{label}: the file claims a sheet far larger than its content (reading it would take {size} of "
            f"memory; the reader has {memory_mb:,} MB). It is damaged or made to exhaust the server; "
            "open and save it in Excel, then upload again."
        )
    if exitcode is not None and exitcode < 0:
        return (
            f"{label}: the reader stopped on this file (signal {-exitcode}: out of its {memory_mb:,} MB of "
            "memory, or a damaged file). Open and save it in Excel, or split it, then upload again."
        )
    return (
        f"{label}: the reader stopped on this file (exit {exitcode}). Open and save it in Excel, then "
        "upload again."
    )


def _child(send, err_path: str, memory_mb: int, func, args, streaming: bool) -> None:
    """In the child: cap memory, send stderr to a file the parent reads, run, send the outcome."""
    cap = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.environ["RUST_BACKTRACE"] = "0"
    err = os.open(err_path, os.O_WRONLY | os.O_TRUNC)
    os.dup2(err, 2)
    os.close(err)
    try:
        if streaming:
            func(lambda item: send.send(("item", item)), *args)
            outcome = ("end", None)
        else:
            outcome = ("ok", func(*args))
    except Refused as refused:
        outcome = ("refused", str(refused))
    except MemoryError:
        outcome = (
            "refused",
            f"reading it needs more than the reader's {memory_mb:,} MB of memory; split the file.",
        )
    except BaseException as exc:
        outcome = ("refused", describe(exc))
    try:
        send.send(outcome)
    except BaseException as exc:
        send.send(("refused", describe(exc)))
    send.close()


def describe(exc: BaseException) -> str:
    """What a reader's exception means for the user."""
    text = str(exc).strip()
    first = text.splitlines()[0][:200] if text else type(exc).__name__
    kind = type(exc).__name__
    if "Panic" in kind:
        return (
            f"the workbook is damaged (the Excel reader stopped at a broken record: {first}). Open it in "
            "Excel and save it again, then upload again."
        )
    if "cannot detect file format" in text.lower() or "invalid ole" in text.lower():
        return (
            "the file is damaged: it looks like an Excel workbook but its inner structure cannot be read. "
            "Open it in Excel and save it again, then upload again."
        )
    if "password" in text.lower():
        return "the workbook is password-protected; save it without a password and upload again."
    return f"the workbook could not be read ({first}). Open and save it in Excel, then upload again."
