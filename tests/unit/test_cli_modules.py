"""The modules of the `kg` command: registration, error wording, the shared helpers."""

from __future__ import annotations

import errno

import typer
from typer.testing import CliRunner

from graph.cli import app
from graph.cli.common import short, store_location
from graph.cli.errors import EXIT_STORE, EXIT_USAGE, guard, os_error_message
from graph.store.local import StoreError

runner = CliRunner()


def test_every_command_is_registered_in_order() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names == ["build", "query", "queries", "export", "viz", "stats", "remove", "validate", "serve", "eval"]


def test_guard_maps_exceptions_to_exit_codes() -> None:
    @guard
    def bad_input() -> None:
        raise ValueError("first line\nsecond line")

    @guard
    def bad_store() -> None:
        raise StoreError("s: no store here yet")

    for fn, code in ((bad_input, EXIT_USAGE), (bad_store, EXIT_STORE)):
        try:
            fn()
        except typer.Exit as exc:
            assert exc.exit_code == code
        else:  # pragma: no cover
            raise AssertionError(fn)


def test_os_error_message() -> None:
    assert os_error_message(FileNotFoundError(errno.ENOENT, "No such file or directory", "a.txt")) == "a.txt: no such file or directory"
    assert os_error_message(PermissionError("denied")) == "denied"


def test_store_location_and_short_names() -> None:
    assert store_location("http://127.0.0.1:7878") == "http://127.0.0.1:7878"  # a URL stays text
    assert str(store_location("kg-store")) == "kg-store"
    assert short("https://w3id.org/cnfinkg/id/x") == "kgid:x" and short(None) == ""


def test_timeout_query_without_store_is_a_store_error(tmp_path) -> None:
    r = runner.invoke(app, ["query", "ASK {}", "--store", str(tmp_path / "nostore"), "--timeout", "5"])
    assert r.exit_code == EXIT_STORE and "no store here yet" in r.stderr and not (tmp_path / "nostore").exists()
