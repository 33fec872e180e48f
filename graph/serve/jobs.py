"""Every read and write of the store runs as a :class:`Job` in a child process with a time limit.

The server process never opens the store: a child opens it read-only (read-write for an update),
answers one job and exits, and is killed when the time limit passes (:mod:`graph.store.timeout`).
:func:`run_job` turns what went wrong into the HTTP status the client gets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import pyoxigraph as ox

from graph.serve.description import list_graphs
from graph.serve.entity import entity_data
from graph.serve.gsp import read_graph
from graph.serve.protocol import RequestRefused
from graph.store.formats import GRAPH_TYPES, RESULT_TYPES, write_solutions, write_triples
from graph.store.sparql import PREFIX_MAP
from graph.store.timeout import QueryTimeout, WorkerDied, run_in_child

#: Job forms that are not SPARQL text: a Graph Store Protocol read and the list of named graphs.
GSP_GET = "GSP-GET"
LIST_GRAPHS = "LIST-GRAPHS"
UPDATE = "UPDATE"
#: Everything the entity page shows about one IRI (``text``), as JSON.
ENTITY = "ENTITY"


@dataclass(frozen=True)
class Job:
    store: str
    text: str  # SPARQL; for GSP_GET the graph's IRI, or "" for the (union) default graph; for ENTITY the IRI
    form: str  # a query form, UPDATE, GSP_GET or LIST_GRAPHS
    media_type: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _update(job: Job) -> bytes:
    store = ox.Store(job.store)
    store.update(job.text, prefixes=PREFIX_MAP)
    store.flush()
    del store
    return b""


def _query(job: Job) -> bytes:
    store = ox.Store.read_only(job.store)
    kwargs: dict[str, Any] = {"prefixes": PREFIX_MAP}
    if job.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    result = store.query(job.text, **kwargs)
    if isinstance(result, ox.QueryTriples):
        return write_triples(list(result), GRAPH_TYPES[job.media_type], PREFIX_MAP)
    if job.media_type not in RESULT_TYPES:  # the text said CONSTRUCT but the parser disagrees
        raise ValueError("cannot serialise these results as " + job.media_type)
    return write_solutions(result, RESULT_TYPES[job.media_type])


def execute(job: Job) -> bytes:
    """Run in the worker: open the store, do the job, serialise the answer."""
    if job.form == GSP_GET:
        return read_graph(job.store, job.text, job.media_type)
    if job.form == LIST_GRAPHS:
        return list_graphs(job.store)
    if job.form == UPDATE:
        return _update(job)
    if job.form == ENTITY:
        return entity_data(job.store, job.text)
    return _query(job)


def run_job(job: Job, timeout: float) -> bytes:
    """Run ``job`` in a child process; kill it after ``timeout`` seconds.

    Queries fork (cheap: nothing to import); updates spawn a fresh interpreter,
    since a read-write RocksDB in a forked child can wait forever for background
    threads that only existed in its parent.
    """
    try:
        return run_in_child(execute, job, timeout=timeout, start="spawn" if job.form == UPDATE else "fork")
    except QueryTimeout:
        raise RequestRefused(HTTPStatus.SERVICE_UNAVAILABLE, f"query stopped after the time limit of {timeout:g} s") from None
    except WorkerDied as exc:
        raise RequestRefused(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc)) from None
    except SyntaxError as exc:
        kind = "SPARQL Update" if job.form == UPDATE else "SPARQL"
        raise RequestRefused(HTTPStatus.BAD_REQUEST, f"{kind} syntax error: {exc}") from None
    except LookupError as exc:
        raise RequestRefused(HTTPStatus.NOT_FOUND, str(exc).strip("'\"")) from None
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise RequestRefused(HTTPStatus.SERVICE_UNAVAILABLE, "the store is locked by another writer (a build is running?)") from None
        raise RequestRefused(HTTPStatus.INTERNAL_SERVER_ERROR, f"store error: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    except Exception as exc:  # noqa: BLE001 - reported to the client as 400/500
        message = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        status = HTTPStatus.BAD_REQUEST if type(exc) in (ValueError, TypeError) else HTTPStatus.INTERNAL_SERVER_ERROR
        raise RequestRefused(status, message) from None


class ReadWriteLock:
    """Queries share, updates are alone: a read-only open must not race a writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    def acquire_read(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._writer)
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._writer and self._readers == 0)
            self._writer = True

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


__all__ = ["ENTITY", "GSP_GET", "LIST_GRAPHS", "UPDATE", "Job", "ReadWriteLock", "execute", "run_job"]
