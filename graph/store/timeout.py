"""Run one query in a child process and kill it when it takes too long.

Oxigraph cannot interrupt a query from Python, and a thread cannot be stopped; killing a process
is a real bound on CPU and memory.  The CLI (``kg query --timeout``), the API
(``KnowledgeGraph.query(timeout=…)``) and ``kg serve`` (every request) run through
:func:`run_in_child`.  The child's answer, or the exception it raised, comes back through a pipe.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class QueryTimeout(TimeoutError):
    """The query was still running after ``seconds`` and its process was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"query stopped after {seconds:g} s")
        self.seconds = seconds

    def __reduce__(self) -> tuple[Any, ...]:
        return (QueryTimeout, (self.seconds,))


class WorkerDied(RuntimeError):
    """The child process ended without an answer (killed from outside, out of memory)."""


def _portable(exc: BaseException) -> BaseException | tuple[type[BaseException], str]:
    """``exc`` if it survives pickling whole, else (its nearest built-in class, its message).

    A class and a string always pickle faithfully; an exception may not: a custom ``__init__``, an
    unpicklable attribute, or a library that changes how exceptions pickle (tblib, which Dask
    imports, brings a SyntaxError back without its message).
    """
    try:
        if str(pickle.loads(pickle.dumps(exc))) == str(exc):
            return exc
    except Exception:  # noqa: BLE001 - anything that does not survive is sent as class + message
        pass
    base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
    return (base, str(exc)) if base is not BaseException else (RuntimeError, f"{type(exc).__name__}: {exc}")


def _rebuilt(payload: BaseException | tuple[type[BaseException], str]) -> BaseException:
    if isinstance(payload, BaseException):
        return payload
    cls, message = payload
    try:
        return cls(message)
    except Exception:  # noqa: BLE001 - a built-in that wants other arguments
        return RuntimeError(f"{cls.__name__}: {message}")


def _child(fn: Callable[..., Any], args: tuple[Any, ...], conn: Any) -> None:  # pragma: no cover - in the child
    try:
        try:
            conn.send(("ok", fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            conn.send(("error", _portable(exc)))
        conn.close()
    finally:
        os._exit(0)  # skip atexit handlers and buffered-stream flushes inherited from the parent


def run_in_child(fn: Callable[..., T], *args: Any, timeout: float | None, start: str = "fork") -> T:
    """``fn(*args)`` computed in a child process, killed after ``timeout`` seconds (None or 0: no limit).

    Raises :class:`QueryTimeout` after the time limit, :class:`WorkerDied` when the child ends
    without answering, and re-raises what ``fn`` raised.  ``start``: ``"fork"`` (cheap, and the
    child shares what the parent holds, an open store too) or ``"spawn"`` (a fresh interpreter:
    ``fn`` and ``args`` must pickle), for work a forked child cannot do, such as writing a
    RocksDB store whose background threads existed only in the parent.
    """
    ctx = mp.get_context(start)
    receiver, sender = ctx.Pipe(duplex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the child only runs fn
        proc = ctx.Process(target=_child, args=(fn, args, sender), daemon=True)
        proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout if timeout and timeout > 0 else None):
            proc.kill()
            raise QueryTimeout(timeout or 0.0)
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise WorkerDied("the query process died (out of memory?)") from None
    except BaseException:
        proc.kill()  # interrupted (Ctrl-C) or stopped: the child must not outlive the wait
        raise
    finally:
        receiver.close()
        proc.join(5)
        if proc.is_alive():  # pragma: no cover
            proc.kill()
            proc.join()
    if status == "error":
        raise _rebuilt(payload)
    return payload


__all__ = ["QueryTimeout", "WorkerDied", "run_in_child"]
