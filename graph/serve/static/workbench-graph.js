/* The workbench's "Graph" view: a YASR plugin that draws the current result with vis-network and explores from it.
 *
 * A CONSTRUCT/DESCRIBE result (subject, predicate, object) becomes its IRI-to-IRI triples; a SELECT
 * result becomes one edge a row between its first two IRI columns (the relation from a ?p/?predicate/
 * ?relation column when there is one).  One request to explore/subgraph.json then gives every drawn
 * node its label, class and kind, and every edge its confidence and documents, for the filters.
 * The panels (filters, focus with N hops, shortest path, PNG/SVG export) are KGExplore's, from the
 * offline viewer's explore panels (static/viewer/explore.js), so both views offer the same; here their hooks
 * ask the server for each subgraph (explore/neighbourhood.json, explore/path.json,
 * explore/search.json): the view holds what the queries return, never the whole store.
 * Double-clicking a node adds its neighbours and the events it takes part in.
 * vis-network is the copy the pyvis package ships, served by the server itself (static/vis/).
 */
(function () {
  "use strict";

  var base = document.baseURI;
  var PREDICATE_VARS = ["p", "predicate", "relation", "rel"];
  var RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  // Above this many nodes the view drops physics (its stabilisation blocks the page for a second
  // at 300 nodes) and curved edges, so it opens and pans at once.
  var LARGE = 200;
  var FONT = "system-ui, 'Noto Sans CJK TC', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif";
  var NODE_COLOR = { background: "#9cc3e4", border: "#1f5f8b" };
  var EDGE_COLOR = { color: "#8a99a8", highlight: "#333333", hover: "#333333", inherit: false };

  function isIri(term) { return !!term && term.type === "uri"; }
  function localName(iri) { return iri.split("#").pop().split("/").pop(); }

  /** {edges: [{id, from, to, relation}], labels: {iri: label}} from SPARQL JSON results, or null if nothing to draw. */
  function graphOf(vars, bindings) {
    var edges = [];
    var labels = {};
    if (!vars || !bindings) return null;
    var add = function (from, to, predicate) {
      edges.push({ id: from + " " + (predicate || "?") + " " + to, from: from, to: to, relation: predicate ? localName(predicate) : "" });
    };
    if (["subject", "predicate", "object"].every(function (v) { return vars.indexOf(v) >= 0; })) {
      bindings.forEach(function (b) {
        if (!isIri(b.subject) || !b.object) return;
        if (isIri(b.object)) add(b.subject.value, b.object.value, b.predicate.value);
        else if (b.predicate.value === RDFS_LABEL && (!b.object["xml:lang"] || b.object["xml:lang"] === "en")) labels[b.subject.value] = b.object.value;
      });
    } else {
      var cols = vars.filter(function (v) { return bindings.some(function (b) { return isIri(b[v]); }); });
      var pred = PREDICATE_VARS.find(function (v) { return cols.indexOf(v) >= 0; });
      cols = cols.filter(function (v) { return v !== pred; });
      if (cols.length < 2) return null;
      bindings.forEach(function (b) {
        if (isIri(b[cols[0]]) && isIri(b[cols[1]])) add(b[cols[0]].value, b[cols[1]].value, pred && b[pred] ? b[pred].value : null);
      });
    }
    return edges.length ? { edges: edges, labels: labels } : null;
  }

  /** GET (or, with `form`, POST) one of the explore resources; the server's one-line message on failure. */
  function explore(path, params, form) {
    var body = new URLSearchParams();
    Object.keys(params).forEach(function (k) { [].concat(params[k]).forEach(function (v) { body.append(k, v); }); });
    var url = new URL("explore/" + path + (form ? "" : "?" + body), base).href;
    return fetch(url, form ? { method: "POST", body: body, headers: { Accept: "application/json" } } : { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.ok) return r.json();
        return r.text().then(function (t) { throw new Error(t.trim() || "HTTP " + r.status); });
      });
  }

  /** English labels of IRIs that are no entity or event (a class, a document…), from one query to the endpoint. */
  function fetchLabels(iris) {
    if (!iris.length) return Promise.resolve({});
    var query = "SELECT ?e ?l WHERE { VALUES ?e { " + iris.map(function (i) { return "<" + i + ">"; }).join(" ") +
      " } ?e <" + RDFS_LABEL + "> ?l . FILTER(langMatches(LANG(?l), \"en\")) }";
    return fetch(new URL("sparql", base).href, {
      method: "POST", body: new URLSearchParams({ query: query }), headers: { Accept: "application/sparql-results+json" },
    }).then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; }).then(function (j) {
      var out = {};
      j.results.bindings.forEach(function (b) { out[b.e.value] = b.l.value; });
      return out;
    });
  }

  function visOptions() {
    return {
      layout: { improvedLayout: false },
      nodes: { shape: "dot", size: 12, color: NODE_COLOR, font: { size: 16, face: FONT, strokeWidth: 3, strokeColor: "#fff" } },
      edges: { arrows: "to", color: EDGE_COLOR, font: { size: 12, face: FONT, align: "middle", strokeWidth: 3 }, smooth: { type: "continuous" } },
      physics: { barnesHut: { springLength: 160, avoidOverlap: 0.3 }, stabilization: { iterations: 200 } },
      interaction: { hover: true },
    };
  }

  function GraphPlugin(yasr) {
    this.yasr = yasr;
    this.label = "Graph";
    this.priority = 5; // below the table, which stays the default view
    this.helpReference = "entity";
  }

  // The drawn data (a focus or a large view replaces the DataSets) and the network.
  ["nodes", "edges", "network"].forEach(function (name) {
    Object.defineProperty(GraphPlugin.prototype, name, { get: function () { return this.ex && this.ex[name]; } });
  });

  GraphPlugin.prototype.canHandleResults = function () {
    var r = this.yasr.results;
    return !!r && !!graphOf(r.getVariables(), r.getBindings());
  };

  GraphPlugin.prototype.getIcon = function () {
    var span = document.createElement("span");
    span.textContent = "\u25C9";
    span.className = "kg-graph-icon";
    return span;
  };

  /** Physics and curved edges for small views only: a large view must open and pan at once. */
  GraphPlugin.prototype.tune = function (count) {
    var large = count > LARGE;
    if (large === this.large || !this.ex.network) return;
    this.large = large;
    this.ex.network.setOptions({
      physics: { enabled: !large }, edges: { smooth: large ? false : { type: "continuous" } },
      interaction: { hideEdgesOnDrag: large, hideEdgesOnZoom: large, hover: !large },
    });
  };

  /** Labels, classes and kinds of the drawn nodes, confidence and documents of the drawn edges (one request). */
  GraphPlugin.prototype.annotate = function () {
    var ex = this.ex;
    var iris = ex.nodes.getIds().slice(0, 5000);
    return explore("subgraph.json", { iri: iris }, true).then(function (data) {
      var known = {};
      data.edges.forEach(function (e) { known[e.from + "\u0001" + e.to] = (known[e.from + "\u0001" + e.to] || []).concat([e]); });
      var drawn = ex.edges.get();
      var unnamed = drawn.filter(function (e) { return !e.relation && known[e.from + "\u0001" + e.to]; });
      ex.edges.remove(unnamed.map(function (e) { return e.id; })); // an edge without a relation gives way to the relations found
      var edges = drawn.filter(function (e) { return e.relation; }).map(function (e) {
        var same = (known[e.from + "\u0001" + e.to] || []).find(function (k) { return k.id === e.id; });
        return same ? Object.assign({}, same) : null;
      }).filter(Boolean);
      ex.edges.update(edges);
      unnamed.forEach(function (e) { ex.edges.add(known[e.from + "\u0001" + e.to].filter(function (k) { return !ex.edges.get(k.id); })); });
      ex.merge({ nodes: data.nodes, documents: data.documents, groups: data.groups, legend: data.legend }, {});
      var described = new Set(data.nodes.map(function (n) { return n.id; }));
      return fetchLabels(iris.filter(function (i) { return !described.has(i); }).slice(0, 500));
    }).then(function (labels) {
      ex.nodes.update(Object.keys(labels).map(function (iri) { return { id: iri, label: labels[iri] }; }));
    });
  };

  /** Add the node's neighbours and events (explore/neighbourhood.json, one hop); resolves to the number of new nodes. */
  GraphPlugin.prototype.expand = function (iri) {
    var self = this;
    return explore("neighbourhood.json", { iri: iri, hops: 1 }).then(function (data) {
      var added = self.ex.add(data);
      self.ex.nodes.update({ id: iri, borderWidth: 3 });
      return added;
    });
  };

  GraphPlugin.prototype.hooks = function () {
    var self = this;
    return {
      search: function (q) {
        return explore("search.json", { q: q }).then(function (r) { return r.results; });
      },
      focus: function (iri, hops) { return explore("neighbourhood.json", { iri: iri, hops: hops }); },
      path: function (a, b) { return explore("path.json", { from: a, to: b }); },
      reset: function () { self.ex.replace(self.initial, []); },
    };
  };

  GraphPlugin.prototype.draw = function () {
    var self = this;
    var r = this.yasr.results;
    var g = graphOf(r.getVariables(), r.getBindings());
    var el = this.yasr.resultsEl;
    el.innerHTML = "";
    var bar = document.createElement("div");
    bar.className = "kg-graph-bar";
    bar.textContent = "Double-click a node to add its relations and events; click one to see its entity page link.";
    var link = document.createElement("a");
    link.className = "kg-graph-entity";
    link.target = "_blank";
    bar.appendChild(link);
    var wrap = document.createElement("div");
    wrap.className = "kg-graph-wrap";
    var panel = document.createElement("aside");
    panel.className = "kg-graph-panels";
    var box = document.createElement("div");
    box.className = "kg-graph";
    wrap.appendChild(panel);
    wrap.appendChild(box);
    el.appendChild(bar);
    el.appendChild(wrap);
    var nodes = {};
    g.edges.forEach(function (e) {
      [e.from, e.to].forEach(function (n) { nodes[n] = { id: n, label: g.labels[n] || localName(n), title: n }; });
    });
    var edges = g.edges.filter(function (e, i) { return g.edges.findIndex(function (x) { return x.id === e.id; }) === i; });
    this.large = undefined;
    this.ex = KGExplore.create({ container: box, options: visOptions(), font: FONT, hooks: this.hooks(), nodeColor: NODE_COLOR,
      edgeColor: EDGE_COLOR, graph: { nodes: Object.values(nodes), edges: edges } });
    this.ex.onSize = function (count) { self.tune(count); };
    this.tune(this.ex.nodes.length);
    KGExplore.panels(this.ex, panel);
    this.network.on("doubleClick", function (params) {
      if (params.nodes.length) self.expand(params.nodes[0]).catch(function (e) { self.ex.say(String(e.message || e)); });
    });
    this.network.on("selectNode", function (params) {
      var iri = params.nodes[0];
      link.href = new URL("entity?iri=" + encodeURIComponent(iri), base).href;
      link.textContent = " Open the page of " + (self.nodes.get(iri).label || iri);
    });
    this.ready = this.annotate().catch(function (e) { console.warn(e); }).then(function () {
      self.initial = { nodes: self.ex.nodes.get(), edges: self.ex.edges.get() };
    });
    if (window.kgWorkbench) window.kgWorkbench.graph = this;
  };

  GraphPlugin.prototype.destroy = function () {
    if (this.network) this.network.destroy();
    this.ex = null;
  };

  Yasgui.Yasr.registerPlugin("graph", GraphPlugin);
  [Yasgui.Yasr.defaults, Yasgui.defaults.yasr].forEach(function (d) {
    if (d && d.pluginOrder && d.pluginOrder.indexOf("graph") < 0) d.pluginOrder.splice(1, 0, "graph");
  });
  window.kgGraphOf = graphOf;
})();
