"""The Python API: build a knowledge graph, query it, export it, look at it.

    >>> import graph
    >>> kg = graph.build(["seeds/"])            # embedded store in ./kg-store
    >>> kg.query("partners").to_pandas()        # a named query, or any SPARQL
    >>> kg.serialize("turtle")                  # deterministic Turtle
    >>> kg.visualize("graph.html")              # offline interactive view
    >>> kg.to_networkx()
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rdflib import Graph, URIRef

from graph.extract import RETRIES, Plan, extract_all
from graph.ingest.reader import Document, InputError, iter_paths, key_for_text, parse_text, read_document
from graph.store.local import DEFAULT_STORE, GraphStore
from graph.store.sparql import Prepared, QueryError, prepare
from graph.store.timeout import QueryTimeout, run_in_child

if TYPE_CHECKING:
    from distributed import Client

    from graph.store.remote import RemoteStore

Source = str | Path | Document


@dataclass
class BuildReport:
    documents: int = 0
    skipped_unchanged: int = 0
    skipped_empty: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    entities: int = 0
    #: Distinct relation triples (subject, property, object) extracted, not their evidence records.
    relations: int = 0
    #: Evidence records (one per relation and sentence) behind those relations.
    evidence: int = 0
    facts: int = 0
    triples: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "skipped (unchanged)": self.skipped_unchanged,
            "skipped (empty)": len(self.skipped_empty),
            "failed": len(self.failed),
            "entities": self.entities,
            "relations": self.relations,
            "evidence": self.evidence,
            "facts": self.facts,
            "triples": self.triples,
            "seconds": round(self.seconds, 2),
        }


class QueryResult:
    """Rows of a SELECT, a boolean for ASK, or a graph for CONSTRUCT/DESCRIBE."""

    def __init__(self, result) -> None:
        self.raw = result
        self.type = result.type  # 'SELECT', 'ASK', 'CONSTRUCT', 'DESCRIBE'
        self._rows: list[tuple] | None = None

    @property
    def vars(self) -> list[str]:
        return [str(v) for v in (self.raw.vars or [])]

    @property
    def rows(self) -> list[tuple]:
        """One tuple per solution, None for an unbound variable (computed once, from the bindings:
        rdflib's ResultRow objects cost more than the query on large answers)."""
        if self._rows is None:
            names = self.raw.vars or []
            self._rows = [tuple(b.get(v) for v in names) for b in self.raw.bindings] if self.type == "SELECT" else []
        return self._rows

    @property
    def askAnswer(self) -> bool:  # noqa: N802 - rdflib's name
        return bool(self.raw.askAnswer)

    @property
    def graph(self) -> Graph:
        g = Graph()
        for t in self.raw:
            g.add(t)
        return g

    def __iter__(self):
        return iter(self.raw)

    def __bool__(self) -> bool:
        return self.askAnswer if self.type == "ASK" else bool(len(self))

    def __len__(self) -> int:
        return len(self.rows) if self.type == "SELECT" else len(self.graph) if self.type in ("CONSTRUCT", "DESCRIBE") else 1

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame([[None if v is None else str(v) for v in row] for row in self.rows], columns=self.vars)

    def serialize(self, format: str = "json", destination: TextIO | None = None) -> str | None:
        """The result as ``json`` (SPARQL 1.1 results; JSON-LD for a graph), ``xml``, ``csv``, ``tsv``,
        or for CONSTRUCT/DESCRIBE ``turtle``, ``ntriples``, ``jsonld``, ``rdfxml``; written to
        ``destination`` (a text stream) if given, else returned."""
        from graph.store.formats import write_result

        if destination is not None:
            write_result(self, format, destination)
            return None
        buf = io.StringIO()
        write_result(self, format, buf)
        return buf.getvalue()

    def __reduce__(self) -> tuple[Callable[..., QueryResult], tuple[str, list[str], Any]]:
        """Pickled as its rows, answer or triples: a result computed in another process (a query
        run with a time limit) comes back whole, with no store behind it."""
        payload = self.rows if self.type == "SELECT" else self.askAnswer if self.type == "ASK" else list(self.raw)
        return (_restore_result, (self.type, self.vars, payload))


def _restore_result(kind: str, vars_: list[str], payload: Any) -> QueryResult:
    from rdflib import Variable
    from rdflib.query import Result

    raw = Result(kind)
    if kind == "SELECT":
        names = [Variable(v) for v in vars_]
        raw.vars = names
        raw.bindings = [{n: t for n, t in zip(names, row, strict=False) if t is not None} for row in payload]
    elif kind == "ASK":
        raw.askAnswer = payload
    else:
        raw.graph = Graph()
        for t in payload:
            raw.graph.add(t)
    return QueryResult(raw)


def _query_store(store: GraphStore | RemoteStore, sparql: str, bindings: dict[str, object] | None) -> QueryResult:
    """Runs in the child process of a query with a time limit; the result is computed as it is pickled."""
    return QueryResult(store.query(sparql, bindings))


class KnowledgeGraph:
    """A store of per-document graphs plus the pipeline that fills it."""

    def __init__(self, store: GraphStore | RemoteStore) -> None:
        self.store = store

    @classmethod
    def open(cls, location: str | Path | None = DEFAULT_STORE, read_only: bool = False) -> KnowledgeGraph:
        """Open (or create) a store; ``location=None`` keeps it in memory; an ``http(s)://`` URL is a SPARQL 1.1 endpoint."""
        from graph.store.remote import open_store

        return cls(open_store(location, read_only=read_only))

    # -- building -------------------------------------------------------
    def add(
        self,
        sources: Iterable[Source] | Source,
        force: bool = False,
        reason: bool = False,
        use_statistical: bool = True,
        progress: Callable[[int, int, str], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
        max_bytes: int | None = None,
        workers: int = 1,
        cluster: str | Client | None = None,
        retries: int = RETRIES,
    ) -> BuildReport:
        """Extract and store documents; an unchanged document is skipped unless ``force``.

        Documents are read lazily and written one transaction each as they are
        extracted, so memory stays flat however large the corpus.  With
        ``workers > 1`` extraction runs in that many processes while this one writes (a script
        must then call this under ``if __name__ == "__main__":``, as for any new Python process);
        ``cluster`` (a scheduler address ``tcp://HOST:8786`` or a ``distributed.Client``) runs it
        on a Dask cluster instead (docs/cluster.md).  Either way documents are stored in input
        order, so the graph is the one a serial build gives.  A document whose extraction raises
        is tried ``retries`` more times on its own, then listed in ``BuildReport.failed``.
        """
        from graph.ingest.reader import MAX_BYTES

        t0 = time.perf_counter()
        report = BuildReport()
        items = _plan(sources, report)
        total = len(items)
        known = self.store.documents() if not force else {}
        if total:
            from graph.rdf.ontology import load_ontology

            self.store.load_ontology(load_ontology().graph)
        entity_iris: set[str] = set()
        relation_keys: set[tuple[str, str, str]] = set()
        todo = (
            doc
            for doc in _read(items, report, on_warning, max_bytes or MAX_BYTES)
            if not _unchanged(doc, known, report)
        )
        done = 0
        if progress:
            progress(0, total, "")
        plan = Plan(use_statistical, reason, workers=workers, cluster=cluster, retries=retries)
        for result in extract_all(todo, plan):
            done += 1
            if progress:
                progress(done + report.skipped_unchanged + len(report.skipped_empty) + len(report.failed), total, result.name)
            if result.error:
                report.failed.append((result.name, result.error))
                continue
            self.store.replace_document(result.iri, result.body, entities=result.entities_body)
            report.documents += 1
            entity_iris |= result.entities
            relation_keys |= result.relations
            report.evidence += result.evidence
            report.facts += result.facts
        if progress:
            progress(total, total, "")
        self.store.flush()
        report.entities = len(entity_iris)
        report.relations = len(relation_keys)
        report.triples = self.store.count()
        report.seconds = time.perf_counter() - t0
        return report

    def remove(self, documents: Iterable[str | Path]) -> list[str]:
        """Retract documents by path, key or IRI; facts other documents support stay."""
        from graph.ingest.reader import key_for_path
        from graph.vocab import KGDOC

        removed = []
        for d in documents:
            s = str(d)
            if s.startswith("http"):
                iri = URIRef(s)
            elif Path(s).suffix:
                iri = KGDOC[key_for_path(Path(s))]
            else:
                iri = KGDOC[s]
            if self.store.remove_document(iri):
                removed.append(str(iri))
        self.store.flush()
        return removed

    # -- reading --------------------------------------------------------
    def query(self, query: str | Prepared, bindings: dict[str, object] | None = None, allow_update: bool = False,
              timeout: float | None = None) -> QueryResult | None:
        """Run SPARQL text, a .rq file, a named query from ``ontology/queries``, or one from :func:`prepare`.

        A malformed query raises :class:`QueryError` with the line and column of the problem.
        ``timeout``: seconds after which a query (not an update) is stopped, its process killed,
        and :class:`QueryTimeout` raised.
        """
        prepared = query if isinstance(query, Prepared) else prepare(query, bindings)
        if isinstance(query, Prepared) and bindings:
            prepared = replace(prepared, bindings={**prepared.bindings, **bindings})
        if prepared.info.uses_service:
            raise QueryError("SERVICE (federated queries) is not allowed")
        if prepared.is_update:
            if not allow_update:
                raise QueryError("this is a SPARQL Update; call query(..., allow_update=True) to change the store")
            self.store.update(prepared.sparql)
            return None
        if timeout:
            return run_in_child(_query_store, self.store, prepared.sparql, prepared.bindings or None, timeout=timeout)
        return QueryResult(self.store.query(prepared.sparql, prepared.bindings or None))

    def serialize(self, format: str = "turtle", destination: str | Path | None = None, include_ontology: bool = False) -> str | None:
        from graph.export.serialize import serialize

        if destination is not None:
            Path(destination).parent.mkdir(parents=True, exist_ok=True)
            serialize(self.store, format, str(destination), include_ontology)
            return None
        data = serialize(self.store, format, None, include_ontology)
        return data.decode("utf-8") if data is not None else None

    def to_networkx(self):
        from graph.viz import to_networkx

        return to_networkx(self.store)

    def visualize(self, path: str | Path = "graph.html", lang: str = "en", **kwargs) -> Path:
        from graph.viz import write_html

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return write_html(self.store, Path(path), lang=lang, **kwargs)

    def validate(self):
        """SHACL validation of the store: the union of its documents, and each document's own graph
        for the rules stated per document (see :func:`graph.validate.validate_store`)."""
        from graph.rdf.validate import validate_store

        return validate_store(self.store)

    def stats(self) -> dict[str, int]:
        return self.store.stats()

    def close(self) -> None:
        self.store.close()

    def close_discarding_if_empty(self) -> bool:
        """Close; remove the store directory if opening created it and no document went in."""
        discard = getattr(self.store, "close_discarding_if_empty", None)
        if discard is None:  # a remote store: nothing of ours to remove
            self.store.close()
            return False
        return discard()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _plan(sources, report: BuildReport) -> list[Document | Path]:
    """What to ingest, in a stable order: files found now, texts and Documents as given."""
    if isinstance(sources, (str, Path, Document)):
        sources = [sources]
    items: list[Document | Path] = []
    for src in sources:
        if isinstance(src, Document):
            items.append(src)
        elif isinstance(src, str) and ("\n" in src or not _plausible_path(src)):
            if not src.strip():
                report.skipped_empty.append("<text>")
                continue
            items.append(parse_text(src, key_for_text(src)))
        else:
            try:
                items.extend(iter_paths([Path(src)]))
            except InputError as exc:  # a missing path or an empty folder: report it, build the rest
                report.failed.append((str(src), str(exc)))
    return items


def _read(items, report: BuildReport, on_warning, max_bytes: int) -> Iterator[Document]:
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, Document):
            yield item
            continue
        try:
            doc = read_document(item, max_bytes)
        except InputError as exc:
            report.failed.append((str(item), str(exc)))
            continue
        if doc is None:
            report.skipped_empty.append(str(item))
            if on_warning:
                on_warning(f"{item}: empty document, skipped")
            continue
        first = seen.setdefault(doc.key, str(item))
        if first != str(item):
            report.failed.append((str(item), f"{item}: same document key '{doc.key}' as {first} (same file name); rename it or set id: in its front matter"))
            continue
        yield doc


def _unchanged(doc: Document, known: dict, report: BuildReport) -> bool:
    if known.get(doc.iri) == doc.content_hash:
        report.skipped_unchanged += 1
        return True
    return False


def _plausible_path(s: str) -> bool:
    if len(s) >= 1024 or any(len(part.encode("utf-8")) > 255 for part in s.split("/")):
        return False  # no file system has such a name: it is text
    try:
        exists = Path(s).exists()
    except OSError:
        return False
    if exists or Path(s).suffix.lower() in (".txt", ".md", ".html", ".htm"):
        return True
    # A slash alone does not make a path: news text writes "元/股" and "3/4". A missing path is
    # reported as missing only when it reads like one, i.e. has no sentence punctuation or spaces.
    return "/" in s and not _SENTENCE_MARK.search(s)


_SENTENCE_MARK = re.compile(r"[\s，。、；：！？「」“”（）,;:!?]")


def unusable_paths(paths: Iterable[str | Path]) -> list[str]:
    """Why each path that gives no document at all is unusable (missing, a folder without documents).

    Found without reading a document or opening a store, so a build that has nothing to read can
    stop before it creates one.
    """
    problems = []
    for p in paths:
        try:
            next(iter_paths([Path(p)]), None)
        except InputError as exc:
            problems.append(str(exc))
    return problems


def build(sources: Iterable[Source] | Source, store: str | Path | None = DEFAULT_STORE, **kwargs) -> KnowledgeGraph:
    """Build (or update) a knowledge graph from files, folders or texts and return it open."""
    kg = KnowledgeGraph.open(store)
    try:
        kg.add(sources, **kwargs)
    except BaseException:
        kg.close_discarding_if_empty()  # release the lock; a store this call created and left empty goes
        raise
    return kg


__all__ = ["BuildReport", "KnowledgeGraph", "Prepared", "QueryError", "QueryResult", "QueryTimeout", "build",
           "prepare", "unusable_paths"]
