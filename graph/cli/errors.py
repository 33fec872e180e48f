"""How ``kg`` fails: one line on stderr and a documented exit code (docs/errors.md), never a traceback.

Exit codes: 0 ok, 1 validation or evaluation failure, 2 bad input or query, 3 store locked or
unusable, 4 timeout, 5 internal error.  ``kg --debug`` lets the exception through instead.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer
from rich.markup import escape

from graph.cli.common import err
from graph.ingest.reader import InputError
from graph.store.local import StoreError, StoreLockedError
from graph.store.sparql import QueryError

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_TIMEOUT = 4
EXIT_INTERNAL = 5

#: Set by ``kg --debug``: let exceptions through with their traceback.
state = {"debug": False}
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _silence_stdout() -> None:
    """The reader of our output went away (``kg query … | head``): drop what is still buffered."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture stdout)
        pass


def os_error_message(exc: OSError) -> str:
    """``PATH: reason`` for an OSError that names a file, else its own message (never a bare ``: …``)."""
    reason = (exc.strerror or str(exc)).strip()
    if exc.filename:
        reason = reason[0].lower() + reason[1:] if reason[:1].isupper() and reason[1:2].islower() else reason
        return f"{exc.filename}: {reason}"
    return reason or exc.__class__.__name__


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else ""


def guard(fn: F) -> F:
    """Turn expected failures into one-line errors with exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:
            # Like `yes | head`: the output was cut short on purpose; no message, success.
            _silence_stdout()
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:  # noqa: BLE001 - last resort: one line, never a traceback unless --debug
            if state["debug"]:
                raise
            if isinstance(exc, (InputError, QueryError, ValueError)):
                fail(_first_line(exc) or exc.__class__.__name__, EXIT_USAGE)
            if isinstance(exc, (StoreLockedError, StoreError)):
                fail(str(exc), EXIT_STORE)
            if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
                fail(os_error_message(exc), EXIT_USAGE)
            fail(f"internal error ({exc.__class__.__name__}: {_first_line(exc)}); rerun with --debug for details", EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


__all__ = ["EXIT_INTERNAL", "EXIT_INVALID", "EXIT_STORE", "EXIT_TIMEOUT", "EXIT_USAGE", "fail", "guard",
           "os_error_message", "state"]
