/* The workbench's "Graph" view: a YASR plugin that draws the current result with vis-network.
 *
 * A CONSTRUCT/DESCRIBE result (subject, predicate, object) becomes its IRI-to-IRI triples; a SELECT
 * result becomes one edge a row between its first two IRI columns (labelled by a ?p/?predicate/
 * ?relation column when there is one).  Labels come from one query to this server's endpoint;
 * double-clicking a node adds its relations from the entity page's data (entity.json?iri=…).
 * vis-network is the copy the pyvis package ships, served by the server itself (static/vis/).
 */
(function () {
  "use strict";

  var base = document.baseURI;
  var PREDICATE_VARS = ["p", "predicate", "relation", "rel"];
  var RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";

  function isIri(term) { return !!term && term.type === "uri"; }

  function compact(iri, prefixes) {
    var best = null;
    Object.keys(prefixes || {}).forEach(function (p) {
      var ns = prefixes[p];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length && (!best || ns.length > prefixes[best].length)) best = p;
    });
    return best ? best + ":" + iri.slice(prefixes[best].length) : iri;
  }

  /** {edges: [{from, to, label}], labels: {iri: label}} from SPARQL JSON results, or null if nothing to draw. */
  function graphOf(vars, bindings, prefixes) {
    var edges = [];
    var labels = {};
    if (!vars || !bindings) return null;
    if (["subject", "predicate", "object"].every(function (v) { return vars.indexOf(v) >= 0; })) {
      bindings.forEach(function (b) {
        if (!isIri(b.subject) || !b.object) return;
        if (isIri(b.object)) edges.push({ from: b.subject.value, to: b.object.value, label: compact(b.predicate.value, prefixes) });
        else if (b.predicate.value === RDFS_LABEL && (!b.object["xml:lang"] || b.object["xml:lang"] === "en")) labels[b.subject.value] = b.object.value;
      });
    } else {
      var cols = vars.filter(function (v) { return bindings.some(function (b) { return isIri(b[v]); }); });
      var pred = PREDICATE_VARS.find(function (v) { return cols.indexOf(v) >= 0; });
      cols = cols.filter(function (v) { return v !== pred; });
      if (cols.length < 2) return null;
      bindings.forEach(function (b) {
        if (isIri(b[cols[0]]) && isIri(b[cols[1]])) {
          edges.push({ from: b[cols[0]].value, to: b[cols[1]].value, label: pred && b[pred] ? compact(b[pred].value, prefixes) : "" });
        }
      });
    }
    return edges.length ? { edges: edges, labels: labels } : null;
  }

  function fetchLabels(iris) {
    if (!iris.length) return Promise.resolve({});
    var query = "SELECT ?e ?l WHERE { VALUES ?e { " + iris.map(function (i) { return "<" + i + ">"; }).join(" ") +
      " } ?e <" + RDFS_LABEL + "> ?l . FILTER(langMatches(LANG(?l), \"en\")) }";
    return fetch(new URL("sparql", base).href, {
      method: "POST", body: new URLSearchParams({ query: query }),
      headers: { Accept: "application/sparql-results+json" },
    }).then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; }).then(function (j) {
      var out = {};
      j.results.bindings.forEach(function (b) { out[b.e.value] = b.l.value; });
      return out;
    });
  }

  var OPTIONS = {
    nodes: {
      shape: "dot", size: 12, color: { background: "#9cc3e4", border: "#1f5f8b" },
      font: { size: 16, face: "system-ui, 'Noto Sans CJK TC', 'Noto Sans CJK SC', sans-serif", strokeWidth: 3, strokeColor: "#fff" },
    },
    edges: { arrows: "to", color: "#8a99a8", font: { size: 12, align: "middle", strokeWidth: 3 }, smooth: { type: "dynamic" } },
    physics: { barnesHut: { springLength: 160, avoidOverlap: 0.3 }, stabilization: { iterations: 200 } },
    interaction: { hover: true },
  };

  function GraphPlugin(yasr) {
    this.yasr = yasr;
    this.label = "Graph";
    this.priority = 5; // below the table, which stays the default view
    this.helpReference = "entity";
  }

  GraphPlugin.prototype.prefixes = function () {
    return (window.kgWorkbench && window.kgWorkbench.prefixes) || {};
  };

  GraphPlugin.prototype.canHandleResults = function () {
    var r = this.yasr.results;
    return !!r && !!graphOf(r.getVariables(), r.getBindings(), this.prefixes());
  };

  GraphPlugin.prototype.getIcon = function () {
    var span = document.createElement("span");
    span.textContent = "\u25C9";
    span.className = "kg-graph-icon";
    return span;
  };

  GraphPlugin.prototype.addNode = function (iri, label) {
    if (this.nodes.get(iri)) {
      if (label) this.nodes.update({ id: iri, label: label });
      return false;
    }
    this.nodes.add({ id: iri, label: label || compact(iri, this.prefixes()), title: iri });
    return true;
  };

  GraphPlugin.prototype.addEdge = function (from, to, label) {
    var id = from + "\u0001" + label + "\u0001" + to;
    if (!this.edges.get(id)) this.edges.add({ id: id, from: from, to: to, label: label });
  };

  /** Add the node's relations (both directions) from entity.json; resolves to the number of new nodes. */
  GraphPlugin.prototype.expand = function (iri) {
    var self = this;
    return fetch(new URL("entity.json?iri=" + encodeURIComponent(iri), base).href, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) return 0;
        var added = 0;
        self.addNode(iri, data.label);
        data.relations.forEach(function (rel) {
          if (self.addNode(rel.other, rel.otherLabel)) added += 1;
          if (rel.direction === "out") self.addEdge(iri, rel.other, rel.name);
          else self.addEdge(rel.other, iri, rel.name);
        });
        self.nodes.update({ id: iri, borderWidth: 3 });
        return added;
      });
  };

  GraphPlugin.prototype.draw = function () {
    var self = this;
    var r = this.yasr.results;
    var g = graphOf(r.getVariables(), r.getBindings(), this.prefixes());
    var el = this.yasr.resultsEl;
    el.innerHTML = "";
    var bar = document.createElement("div");
    bar.className = "kg-graph-bar";
    bar.textContent = "Double-click a node to add its relations; click one to see its entity page link.";
    var link = document.createElement("a");
    link.className = "kg-graph-entity";
    link.target = "_blank";
    bar.appendChild(link);
    var box = document.createElement("div");
    box.className = "kg-graph";
    el.appendChild(bar);
    el.appendChild(box);
    this.nodes = new vis.DataSet();
    this.edges = new vis.DataSet();
    g.edges.forEach(function (e) {
      self.addNode(e.from, g.labels[e.from]);
      self.addNode(e.to, g.labels[e.to]);
      self.addEdge(e.from, e.to, e.label);
    });
    this.network = new vis.Network(box, { nodes: this.nodes, edges: this.edges }, OPTIONS);
    this.network.on("doubleClick", function (params) {
      if (params.nodes.length) self.expand(params.nodes[0]).catch(function (e) { console.warn(e); });
    });
    this.network.on("selectNode", function (params) {
      var iri = params.nodes[0];
      link.href = new URL("entity?iri=" + encodeURIComponent(iri), base).href;
      link.textContent = " Open the page of " + (self.nodes.get(iri).label || iri);
    });
    var unlabelled = this.nodes.getIds().filter(function (id) { return !g.labels[id]; });
    fetchLabels(unlabelled.slice(0, 500)).then(function (labels) {
      Object.keys(labels).forEach(function (iri) { self.nodes.update({ id: iri, label: labels[iri] }); });
    }).catch(function (e) { console.warn(e); });
    if (window.kgWorkbench) window.kgWorkbench.graph = this;
  };

  GraphPlugin.prototype.destroy = function () {
    if (this.network) this.network.destroy();
    this.network = null;
  };

  Yasgui.Yasr.registerPlugin("graph", GraphPlugin);
  [Yasgui.Yasr.defaults, Yasgui.defaults.yasr].forEach(function (d) {
    if (d && d.pluginOrder && d.pluginOrder.indexOf("graph") < 0) d.pluginOrder.splice(1, 0, "graph");
  });
  window.kgGraphOf = graphOf;
})();
