"""Stage 5b, viz: NetworkX views, GraphML/GEXF files and the offline HTML viewer.

One concern per module, in the order a page is made:

* :mod:`.network`: the store as a NetworkX ``MultiDiGraph`` (entities, relations with their
  evidence) and as GraphML/GEXF for Gephi, yEd or Cytoscape;
* :mod:`.subgraph`: the part a ``--focus`` name or a ``--query`` selects;
* :mod:`.violations`: SHACL results put on the nodes and edges they concern;
* :mod:`.layout`: deterministic node positions, so a large graph opens without physics;
* :mod:`.style`: a (colour, shape) per class, fonts and label scripts;
* :mod:`.payload`: the JSON the page draws;
* :mod:`.page`: the one offline HTML file;
* :mod:`.assets`: the files it is made of (``templates/``, vis-network from pyvis).

Stores are read only through :class:`graph.store.base.ReadableStore`, so the
embedded and the remote store give the same pages.  Every name callers need
is importable from ``graph.viz``; the same store always gives byte-identical output.
"""

from graph.viz.assets import TEMPLATE_FILES, template_text, vis_assets
from graph.viz.layout import FAST_LAYOUT_ABOVE, LAYOUT_SEED, label_width, layout, node_box
from graph.viz.network import IDENTIFIER_PREDICATES, flatten, to_networkx, write_graph_file
from graph.viz.page import SHACL_AUTO_MAX_TRIPLES, render_html, write_html
from graph.viz.payload import graph_payload
from graph.viz.style import (
    EDGE_LABEL_PX,
    FONT_STACK,
    LANGS,
    NODE_FONT_PX,
    class_family,
    class_styles,
    event_caption,
    is_event_class,
    node_size,
)
from graph.viz.subgraph import ego, find_entities, node_names, query_subgraph
from graph.viz.violations import mark_violations

__all__ = [
    "EDGE_LABEL_PX",
    "FAST_LAYOUT_ABOVE",
    "FONT_STACK",
    "IDENTIFIER_PREDICATES",
    "LANGS",
    "LAYOUT_SEED",
    "NODE_FONT_PX",
    "SHACL_AUTO_MAX_TRIPLES",
    "TEMPLATE_FILES",
    "class_family",
    "class_styles",
    "ego",
    "event_caption",
    "find_entities",
    "flatten",
    "graph_payload",
    "is_event_class",
    "label_width",
    "layout",
    "mark_violations",
    "node_box",
    "node_names",
    "node_size",
    "query_subgraph",
    "render_html",
    "template_text",
    "to_networkx",
    "vis_assets",
    "write_graph_file",
    "write_html",
]
