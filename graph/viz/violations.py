"""SHACL results drawn on the graph: a node or edge that fails a rule gets a dashed red outline.

A reader checking the graph should see which facts break the ontology's
rules where they sit, not in a separate report; the failed rules go on the
node or edge they concern (``violations`` attribute) and the page shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from graph.viz.network import local_name

if TYPE_CHECKING:
    from graph.store.base import ReadableStore


def mark_violations(store: ReadableStore, g: nx.MultiDiGraph) -> int:
    """Run SHACL and put the failed rules on the nodes/edges they concern (``violations`` attribute)."""
    from graph.rdf.validate import validate_store

    report = validate_store(store)
    by_statement = {
        ev["statement"]: (u, v, k)
        for u, v, k, d in g.edges(keys=True, data=True)
        for ev in d.get("evidence", [])
    }
    marked = 0
    for vio in report.violations:
        rule = vio.rule if not vio.path else f"{vio.rule} ({vio.path} {vio.value})".strip()
        targets: list[dict[str, Any]] = []
        if vio.focus in by_statement:
            u, v, k = by_statement[vio.focus]
            targets.append(g.edges[u, v, k])
        elif vio.focus in g:
            edges = [
                d
                for _, o, d in g.out_edges(vio.focus, data=True)
                if d["relation"] == vio.path and local_name(o) == vio.value
            ]
            targets.extend(edges or [g.nodes[vio.focus]])
        for t in targets:
            t.setdefault("violations", [])
            if rule not in t["violations"]:
                t["violations"].append(rule)
                marked += 1
    return marked


__all__ = ["mark_violations"]
