"""Runs extraction — in this process, in worker processes, or on a Dask cluster — and yields
results in input order.

Input order is what lets a parallel build give the same graph as a serial one: the store's shared
entity graph lets the first document that describes an entity decide its labels, so the one writer
(the caller, :meth:`graph.api.KnowledgeGraph.add`) must store documents in the order they were read.
All NLP and RDF work happens in :func:`extract_batch`, wherever an executor runs it; the writer only
stores the N-Triples text it gets back.

An executor (the registry :data:`EXECUTORS`) runs a batch somewhere and hands back something whose
``result()`` blocks for it.  One driver, :func:`_in_order`, keeps a bounded window of batches in flight
and waits for the oldest first: memory stays flat whatever the size of the corpus, and no reorder
buffer is needed.  A batch that fails is split into single documents, each tried ``1 + retries``
times; a document that still fails comes back with a one-line ``error`` and the build goes on.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from graph.ingest.reader import Document, InputError

if TYPE_CHECKING:
    from distributed import Client
    from rdflib import URIRef

#: A batch closes at this many documents or characters, whichever comes first: enough to amortise a
#: round trip to a worker, small enough that the last batches of a build do not leave workers idle.
BATCH_DOCS = 32
BATCH_CHARS = 32_000
#: Batches in flight per worker: one running, the next ones already there when it finishes.
IN_FLIGHT_PER_WORKER = 3
RETRIES = 2
#: Seconds to reach a scheduler and to see a first worker before a build gives up with a clear error.
CONNECT_TIMEOUT = 10.0


class ExecutorError(Exception):
    """Where extraction runs failed, not a document: the build stops; what was stored stays."""


class ClusterError(ExecutorError, ValueError):
    """The Dask cluster cannot be used (unreachable, no workers, cnfinkg missing on the workers)."""


class WorkersError(ExecutorError, RuntimeError):
    """Local worker processes could not start (a script without a main guard, a pipeline that fails to load)."""


@dataclass
class Extracted:
    """What the writer needs of one document: plain strings and sets, cheap to send between processes."""

    name: str
    iri: URIRef | None = None
    body: str = ""
    entities: set[str] = field(default_factory=set)
    relations: set[tuple[str, str, str]] = field(default_factory=set)
    evidence: int = 0
    facts: int = 0
    error: str | None = None
    #: N-Triples of the descriptions of the entities the document mentions (the store's shared graph).
    entities_body: str = ""


@dataclass(frozen=True)
class Plan:
    """How to run a build's extraction; the same for every batch, so it is fixed once."""

    use_statistical: bool = True
    reason: bool = False
    workers: int = 1
    cluster: str | Client | None = None
    retries: int = RETRIES


# -- the work, wherever it runs ------------------------------------------------------------------

#: One pipeline per process: a worker with several threads runs its batches one at a time.
_PIPELINE_LOCK = threading.Lock()


def extract_batch(batch: list[Document], use_statistical: bool, reason: bool) -> list[Extracted]:
    """Documents to N-Triples text.  A batch, not a document, is the unit of work so that a cluster
    pays one round trip per batch and the statistical model can run over several documents at once."""
    from graph.nlp.pipeline import annotate_stream

    with _PIPELINE_LOCK:
        annotated = annotate_stream(batch, use_statistical=use_statistical, batch_size=len(batch))
        return [_result(doc, sdoc, reason) for doc, sdoc in annotated]


def extract_one(doc: Document, use_statistical: bool, reason: bool) -> list[Extracted]:
    """One document of a batch that failed: bad input is its answer, not a reason to try again."""
    try:
        return extract_batch([doc], use_statistical, reason)
    except InputError as exc:
        return [Extracted(_name(doc), error=str(exc))]


def warm_up(use_statistical: bool) -> int:
    """Load the pipeline before the first batch arrives (a worker's start-up, not its first batch)."""
    from graph.nlp.pipeline import get_pipeline

    get_pipeline(use_statistical)
    return os.getpid()


def _name(doc: Document) -> str:
    return doc.path or doc.key


def _result(doc: Document, sdoc: Any, reason: bool) -> Extracted:
    from graph.rdf.mapping import map_document, to_ntriples

    mapped = map_document(sdoc, doc)
    own, shared = (mapped.document, mapped.entities) if not reason else _materialised(mapped)
    relations = sdoc._.relations or []
    return Extracted(_name(doc), doc.iri, to_ntriples(own), {str(i) for i in (sdoc._.entities or {})},
                     {(str(r.head), str(r.prop), str(r.tail)) for r in relations}, len(relations),
                     len(sdoc._.facts or []), entities_body=to_ntriples(shared))


def _materialised(mapped: Any) -> tuple[list, list]:
    """``--reason``: entailments over the document and its entities; inferred types of an entity
    join its shared description, everything else stays with the document."""
    from rdflib.namespace import RDF

    from graph.rdf.reason import materialise

    entities = {t[0] for t in mapped.entities}
    shared = set(mapped.entities)
    own, desc = [], []
    for t in materialise(mapped.graph()):
        (desc if t in shared or (t[0] in entities and t[1] == RDF.type) else own).append(t)
    return own, desc


# -- executors -----------------------------------------------------------------------------------

Work = Callable[[Any, bool, bool], list[Extracted]]


class Pending(Protocol):
    def result(self) -> list[Extracted]: ...


class Executor(Protocol):
    #: How many batches can run at once (worker processes or cluster threads).
    width: int

    def submit(self, work: Work, item: Any, retries: int, order: int) -> Pending: ...

    def close(self) -> None: ...


class _Done:
    """A batch to run here when the driver asks for it: run at submission, a window of batches would all
    be extracted before the first is stored, and the progress bar would move in leaps."""

    def __init__(self, run: Callable[[], list[Extracted]], retries: int) -> None:
        self.run, self.retries = run, retries

    def result(self) -> list[Extracted]:
        for _ in range(self.retries):
            with suppress(Exception):  # tried again; the last try's error goes to the driver
                return self.run()
        return self.run()


class _Serial:
    """In this process, between writes: the default, and what ``workers=1`` means.  No round trip to
    amortise: a batch is the pipeline's own (``annotate_stream``'s default), as in extraction alone."""

    width, batch = 1, (64, 64_000)

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def submit(self, work: Work, item: Any, retries: int, order: int) -> Pending:
        return _Done(lambda: work(item, self.plan.use_statistical, self.plan.reason), retries)

    def close(self) -> None:
        pass


def _init_process(use_statistical: bool) -> None:
    """A local worker's start: its own pipeline, nothing inherited from the writer.  Ctrl-C is the
    writer's to handle: it stops the pool, and no worker prints a traceback of its own.  (A lower
    priority for the workers, or one core each, made no build faster: docs/cluster.md.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(use_statistical)


def _start_method() -> Any:
    """Workers forked from a server that has imported the pipeline's modules but built no pipeline: no
    state, lock or thread of the writer is copied in, and a pool after the first starts in a moment."""
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["graph.extract", "graph.nlp.pipeline", "graph.rdf.mapping"])
    return ctx


class _Retrying:
    """A batch in a local worker process; tried again (in a new pool if a worker died) on failure."""

    def __init__(self, owner: _Processes, work: Work, item: Any, retries: int) -> None:
        self.owner, self.work, self.item, self.left = owner, work, item, retries
        self.future = owner.start(work, item)

    def result(self) -> list[Extracted]:
        from concurrent.futures.process import BrokenProcessPool

        while True:
            try:
                out = self.future.result()
                self.owner.started = True
                return out
            except BrokenProcessPool as exc:
                if not self.owner.started:  # not one document's fault: new pools would fail the same way
                    raise WorkersError(
                        f"the extraction processes stopped before extracting anything ({_one_line(exc)}); their "
                        "error is printed above. A script that calls add(workers=N) must do so under "
                        "`if __name__ == '__main__':`") from None
                self._again(exc)
            except Exception as exc:  # noqa: BLE001 - tried again, then handed to the driver
                self._again(exc)

    def _again(self, exc: Exception) -> None:
        if self.left <= 0:
            raise exc
        self.left -= 1
        self.future = self.owner.start(self.work, self.item)


class _Processes:
    """``workers`` processes, each loading its own pipeline once; this process only writes."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.width = plan, max(1, plan.workers)
        self.started = False  # has a batch come back yet?
        self.pool = self._new_pool()

    def _new_pool(self) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.width, mp_context=_start_method(), initializer=_init_process,
                                   initargs=(self.plan.use_statistical,))

    def start(self, work: Work, item: Any) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.pool.submit(work, item, self.plan.use_statistical, self.plan.reason)
        except BrokenProcessPool:  # a worker died (killed, out of memory): the others go on in a new pool
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            return self.pool.submit(work, item, self.plan.use_statistical, self.plan.reason)

    def submit(self, work: Work, item: Any, retries: int, order: int) -> Pending:
        return _Retrying(self, work, item, retries)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    """A Dask distributed cluster: batches are tasks, retried by the scheduler; results come back here."""

    def __init__(self, plan: Plan) -> None:
        cluster = plan.cluster
        self.plan = plan
        self.owned = isinstance(cluster, str)
        self.client = connect(cluster) if isinstance(cluster, str) else cluster
        try:
            self.width = _ready(self.client, plan.use_statistical)
        except BaseException:
            self.close()
            raise

    def submit(self, work: Work, item: Any, retries: int, order: int) -> Pending:
        # Earlier batches first, so the writer, which waits for the oldest, is never left waiting long.
        return _Task(self.client, self.client.submit(work, item, self.plan.use_statistical, self.plan.reason,
                                                     retries=retries, priority=-order, pure=False))

    def close(self) -> None:
        if self.owned:
            self.client.close()


class _Task:
    """A batch on the cluster.  Dask keeps a task waiting for as long as there is no worker to run it;
    this wait ends, with a :class:`ClusterError`, when the cluster has had no worker for a while."""

    def __init__(self, client: Client, future: Any) -> None:
        self.client, self.future = client, future

    def result(self) -> list[Extracted]:
        idle_since: float | None = None
        while True:
            try:
                return self.future.result(timeout=1.0)
            except TimeoutError:
                idle_since = None if self._has_workers() else idle_since or time.monotonic()
                if idle_since is not None and time.monotonic() - idle_since > CONNECT_TIMEOUT:
                    raise ClusterError(
                        f"no Dask worker is left at the scheduler at {self.client.scheduler.address} (a worker "
                        "without cnfinkg exits at its first task: pip install 'cnfinkg[cluster]' on every "
                        "worker; see the workers' logs)") from None

    def _has_workers(self) -> bool:
        try:
            return bool(self.client.nthreads())
        except Exception as exc:  # noqa: BLE001 - any failure to ask means the scheduler is gone
            raise ClusterError(f"lost the Dask scheduler ({_one_line(exc)})") from None


EXECUTORS: dict[str, Callable[[Plan], Executor]] = {"serial": _Serial, "processes": _Processes, "dask": _Dask}


def executor_name(plan: Plan) -> str:
    return "dask" if plan.cluster is not None else "processes" if plan.workers > 1 else "serial"


# -- Dask connection -----------------------------------------------------------------------------


def connect(address: str, timeout: float = CONNECT_TIMEOUT, on_warning: Callable[[str], None] | None = None,
            ) -> Client:
    """A client of the scheduler at ``address`` that has a worker, or a one-line :class:`ClusterError`
    within about ``timeout`` seconds for each of the two.  Dask's table of packages whose versions differ
    between here, the scheduler and the workers becomes one line for ``on_warning`` (else a warning)."""
    try:
        from distributed import Client
        from distributed.versions import VersionMismatchWarning
    except ImportError:
        raise ClusterError("--cluster needs Dask distributed: pip install 'cnfinkg[cluster]'") from None
    _check_address(address)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", VersionMismatchWarning)
            client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, ImportError) as exc:
        why = "" if "timed out" in str(exc).lower() else f" ({_one_line(exc)})"  # not "timed out" twice
        raise ClusterError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s{why}; "
                           "is `dask scheduler` running there?") from None
    for w in caught:
        if issubclass(w.category, VersionMismatchWarning):
            _warn(on_warning, "the Dask scheduler or workers have other versions of " + ", ".join(
                re.findall(r"^\|\s*([\w.-]+)\s*\|", str(w.message), re.MULTILINE)[1:]) + " than this machine; "
                "the graph may differ from a local build")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    try:
        _wait_for_worker(client, timeout)
    except BaseException:
        client.close()
        raise
    return client


def _warn(on_warning: Callable[[str], None] | None, message: str) -> None:
    if on_warning is not None:
        on_warning(message)
    else:
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def _check_address(address: str) -> None:
    """Refuse a malformed address before a client is made: a half-made client spends seconds closing."""
    from distributed.comm import registry
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme not in registry.backends:
            raise ValueError(f"unknown scheme {scheme}://")
        if scheme == "inproc":
            raise ValueError("inproc:// is reachable only from its own process; pass its distributed.Client")
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        raise ClusterError(f"{address!r} is not a Dask scheduler address ({exc}); expected tcp://HOST:8786") from None


def _wait_for_worker(client: Client, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError):
        raise ClusterError(f"no Dask worker has joined the scheduler at {client.scheduler.address} within "
                           f"{timeout:g} s; start one with `dask worker {client.scheduler.address}`") from None


def _ready(client: Client, use_statistical: bool) -> int:
    """Wait for a worker, load the pipeline on every worker; the number of worker threads."""
    _wait_for_worker(client, CONNECT_TIMEOUT)
    try:  # a task on each worker, not client.run: the pipeline loads in a worker thread, not its event loop
        for task in [_Task(client, client.submit(warm_up, use_statistical, workers=[address], pure=False))
                     for address in client.nthreads()]:
            task.result()
    except ClusterError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the worker raised, the fix is the same
        raise ClusterError(f"the Dask workers cannot run cnfinkg's extraction ({_one_line(exc, root=True)}); install it on "
                           "every worker: pip install 'cnfinkg[cluster]'") from None
    return max(1, sum(client.nthreads().values()))


# -- the driver ----------------------------------------------------------------------------------


def extract_all(docs: Iterable[Document], plan: Plan, executors: dict[str, Callable[[Plan], Executor]] | None = None,
                ) -> Iterator[Extracted]:
    """Every document's result, in input order, with at most a few batches per worker in flight."""
    executor = (executors or EXECUTORS)[executor_name(plan)](plan)
    try:
        yield from _in_order(executor, batches(docs, *getattr(executor, "batch", (BATCH_DOCS, BATCH_CHARS))), plan.retries)
    finally:
        executor.close()


def batches(docs: Iterable[Document], max_docs: int = BATCH_DOCS, max_chars: int = BATCH_CHARS) -> Iterator[list[Document]]:
    batch: list[Document] = []
    size = 0
    for doc in docs:
        batch.append(doc)
        size += len(doc.text)
        if len(batch) >= max_docs or size >= max_chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _in_order(executor: Executor, work: Iterable[list[Document]], retries: int) -> Iterator[Extracted]:
    window: deque[tuple[list[Document], Pending]] = deque()
    limit = IN_FLIGHT_PER_WORKER * executor.width
    for order, batch in enumerate(work):
        window.append((batch, executor.submit(extract_batch, batch, 0, order)))
        while len(window) >= limit:
            yield from _settle(executor, *window.popleft(), retries)
    while window:
        yield from _settle(executor, *window.popleft(), retries)


def _settle(executor: Executor, batch: list[Document], pending: Pending, retries: int) -> list[Extracted]:
    """A batch's results; if it failed, each of its documents on its own, so one bad document costs only itself."""
    try:
        return pending.result()
    except ExecutorError:  # not a document: the build stops (what is stored stays)
        raise
    except Exception:  # noqa: BLE001 - isolated below, reported per document
        return _one_by_one(executor, batch, retries)


def _one_by_one(executor: Executor, batch: list[Document], retries: int) -> list[Extracted]:
    singles = [(doc, executor.submit(extract_one, doc, retries, 0)) for doc in batch]
    out: list[Extracted] = []
    for doc, one in singles:
        try:
            out.extend(one.result())
        except ExecutorError:
            raise
        except Exception as exc:  # noqa: BLE001 - one line in BuildReport.failed, never a traceback
            out.append(_failed(doc, exc, retries))
    return out


def _failed(doc: Document, exc: BaseException, retries: int) -> Extracted:
    if isinstance(exc, InputError):
        return Extracted(_name(doc), error=str(exc))
    again = f", also on {retries} retries" if retries else ""
    return Extracted(_name(doc), error=f"{_name(doc)}: extraction failed ({_one_line(exc)}){again}")


def _one_line(exc: BaseException, root: bool = False) -> str:
    """``Type: first line``; ``root``: of the first cause (Dask wraps a worker's ModuleNotFoundError)."""
    while root and exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


__all__ = ["BATCH_DOCS", "CONNECT_TIMEOUT", "EXECUTORS", "ClusterError", "ExecutorError", "Extracted", "Plan",
           "WorkersError", "batches", "connect", "executor_name", "extract_all", "extract_batch", "extract_one",
           "warm_up"]
