"""The embedded store's background writer: documents new to the store are loaded in batches by one
thread, in order, while the caller goes on extracting.

Documents are gathered into batches of whole documents (:data:`BATCH_DOCS`, :data:`BATCH_BYTES`), each
one TriG text handed to ``Store.bulk_load``.  The bulk loader sorts the batch in memory and adds it to
RocksDB as ready-made table files, in one atomic ingestion for all the indexes: measured on 7,000
documents, less than half the CPU of one ``Store.load`` transaction per document, and no memtable
that grows until a flush.  pyoxigraph runs both without holding the GIL, so the write overlaps the
extraction of the next documents when a core is free.

A batch is all or nothing: the parser reads it whole before anything is written (a syntax error
writes nothing), and the ingestion is one RocksDB ``IngestExternalFiles`` call.  A crash at any
moment leaves every document fully in or fully out; at worst the documents of the last batches are
out, and the next build extracts them again.  After a failed batch nothing later is written (a
later document may count on an entity the failed one was to describe); the error is raised at the
next call from the caller's thread.  Anything that reads the store, or changes it otherwise than by
appending, calls :meth:`Writer.drain` first, so it sees every document handed over before it.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import threading
import time
import weakref

import pyoxigraph as ox

#: A batch closes at this many documents or bytes of TriG, whichever comes first.  Larger batches cost
#: less CPU per quad (7,000 documents: 17.0 s of CPU in batches of 32, 13.7 s of 64, 11.6 s of 100,
#: 9.6 s of 250, against 20.4 s for one transaction each), mostly in RocksDB's background compaction,
#: which merges every ingested file into the levels below.  That CPU is what two extraction workers
#: compete with on a 2-core machine: 3,000 documents with 2 workers took 10.2 s of the writer process's
#: CPU in batches of 64 (2 MB), 7.9 s of 128 (4 MB) and 6.2 s of 256 (8 MB).  Memory pays while the
#: loader sorts a batch: a 10k-document build peaked at 980 MB with 128 and 986 MB with 256.
BATCH_DOCS = 256
BATCH_BYTES = 8 << 20
#: The first batch closes at this many documents and each next one may be twice as large, up to
#: BATCH_DOCS, so the first documents of a build are in the store (and readable) early.
FIRST_BATCH_DOCS = 8
#: Seconds a batch stays open at most: a slow build still shows its documents as it goes.
MAX_WAIT = 5.0
#: Batches waiting for the thread at most, besides the one it loads (memory stays flat).
DEPTH = 1

_LIVE: weakref.WeakSet[Writer] = weakref.WeakSet()


class Writer:
    """One thread that adds batches of TriG documents to ``store`` in the order they are put.

    ``bulk``: through the bulk loader (an on-disk store); else one ``Store.load`` transaction per batch.
    """

    def __init__(self, store: ox.Store, bulk: bool = True, batch_docs: int = BATCH_DOCS,
                 batch_bytes: int = BATCH_BYTES) -> None:
        self.store = store
        self.bulk = bulk
        self.batch_docs, self.batch_bytes = batch_docs, batch_bytes
        #: Graph IRIs handed over and not yet committed: the caller must not take them for new.
        self.pending: set[str] = set()
        self.error: BaseException | None = None
        self._batch: list[bytes] = []
        self._batch_iris: list[str] = []
        self._size = 0
        self._limit = min(FIRST_BATCH_DOCS, batch_docs)
        self._opened = 0.0
        self._queue: queue.Queue[tuple[list[str], bytes] | None] = queue.Queue(DEPTH)
        self._thread: threading.Thread | None = None

    def put(self, graph_iri: str, trig: bytes) -> None:
        """Hand over one document; raises the error of an earlier batch, if one failed."""
        self.check()
        self.pending.add(graph_iri)
        if not self._batch:
            self._opened = time.monotonic()
        self._batch.append(trig)
        self._batch_iris.append(graph_iri)
        self._size += len(trig)
        if (len(self._batch) >= self._limit or self._size >= self.batch_bytes
                or time.monotonic() - self._opened >= MAX_WAIT):
            self._limit = min(2 * self._limit, self.batch_docs)
            self._hand_over()

    def _hand_over(self) -> None:
        if not self._batch:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kg-store-writer", daemon=True)
            self._thread.start()
            _LIVE.add(self)
        item = (self._batch_iris, b"".join(self._batch))
        self._batch, self._batch_iris, self._size = [], [], 0
        self._queue.put(item)

    def drain(self) -> None:
        """Wait until every document handed over is committed (or the writer has failed)."""
        self._hand_over()
        if self._thread is not None:
            self._queue.join()
        self.check()

    def check(self) -> None:
        """Raise a failed batch's error, once the batches queued after it have been skipped."""
        if self.error is not None:
            if self._thread is not None:
                self._queue.join()
            error, self.error = self.error, None
            self.pending.clear()
            self._batch, self._batch_iris, self._size = [], [], 0
            raise error

    def close(self) -> None:
        """Commit what is held, then stop the thread (the store's lock goes with its last reference)."""
        try:
            self.drain()
        finally:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None
                _LIVE.discard(self)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._load(*item)
            finally:
                self._queue.task_done()

    def _load(self, iris: list[str], trig: bytes) -> None:
        try:
            if self.error is None:
                if self.bulk:
                    self.store.bulk_load(trig, format=ox.RdfFormat.TRIG)
                else:
                    self.store.load(trig, format=ox.RdfFormat.TRIG)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by check()
            self.error = exc
        finally:
            self.pending.difference_update(iris)


@atexit.register
def _drain_all() -> None:
    """A store left open at exit still commits what it was handed: the thread is a daemon, so it would
    otherwise stop with the interpreter, and those documents would be missing without any error."""
    for writer in list(_LIVE):
        with contextlib.suppress(BaseException):  # nothing is left to tell at exit
            writer.close()


__all__ = ["BATCH_BYTES", "BATCH_DOCS", "DEPTH", "FIRST_BATCH_DOCS", "MAX_WAIT", "Writer"]
