(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("kg-data").textContent);
  const info = DATA.info, evidence = DATA.evidence;
  const nodes = new vis.DataSet(DATA.nodes);
  const edges = new vis.DataSet(DATA.edges);
  const hiddenClasses = new Set(), hiddenRelations = new Set();
  const nodeView = new vis.DataView(nodes, { filter: (n) => !hiddenClasses.has(n.group) });
  const edgeView = new vis.DataView(edges, {
    filter: (e) => !hiddenRelations.has(e.relation) &&
      !hiddenClasses.has(info[e.from].type) && !hiddenClasses.has(info[e.to].type),
  });
  const large = DATA.large;

  // -- edge labels -------------------------------------------------------------
  // Edge labels are drawn DATA.edgeLabelPx screen pixels high whatever the zoom.  After each zoom the
  // labels are placed greedily, strongest edge first: a label that would cover a node, a node's label
  // or a label already placed stays hidden, and shows (bold) only while its edge is hovered or selected.
  // Large graphs show labels on hover and selection only.
  const EDGE_LABEL_COLOUR = "#333333", HIDDEN = "rgba(0,0,0,0)";
  let edgeLabelSize = DATA.edgeLabelPx, shownLabels = new Set();
  function showEdgeLabel(values, id, selected, hovering) {
    if (selected || hovering) {
      values.size = edgeLabelSize; values.color = EDGE_LABEL_COLOUR; values.strokeWidth = 3; values.mod = "bold";
    }
  }
  function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  function midpoint(id, p, q) {
    const e = network.body.edges[id];
    try { if (e && e.edgeType && e.edgeType.getPoint) return e.edgeType.getPoint(0.5); } catch (err) { /* straight */ }
    return { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
  }
  function placeEdgeLabels() {
    const scale = network.getScale();
    if (!(scale > 0)) return;
    edgeLabelSize = DATA.edgeLabelPx / scale;
    if (large) {
      network.setOptions({ edges: { font: { size: edgeLabelSize, color: HIDDEN, strokeWidth: 0 } } });
      return;
    }
    const taken = nodeView.getIds().map((id) => {
      const b = network.getBoundingBox(id); return [b.left, b.top, b.right, b.bottom];
    });
    const pos = network.getPositions(), h = edgeLabelSize * 1.25, shown = new Set();
    const order = edgeView.get().sort((a, b) => (b.width || 1) - (a.width || 1) || (a.id < b.id ? -1 : 1));
    for (const e of order) {
      const p = pos[e.from], q = pos[e.to];
      if (!p || !q || e.from === e.to) continue;
      const m = midpoint(e.id, p, q), w = e.label.length * 0.62 * edgeLabelSize + 4;
      const box = [m.x - w / 2, m.y - h / 2, m.x + w / 2, m.y + h / 2];
      if (taken.some((t) => overlaps(box, t))) continue;
      taken.push(box); shown.add(e.id);
    }
    shownLabels = shown;
    edges.update(DATA.edges.map((e) => ({ id: e.id, font: shown.has(e.id)
      ? { size: edgeLabelSize, color: EDGE_LABEL_COLOUR, strokeWidth: 3 }
      : { size: edgeLabelSize, color: HIDDEN, strokeWidth: 0 } })));
  }
  window.kgEdgeLabels = () => ({ size: edgeLabelSize, shown: [...shownLabels], scale: network.getScale() });
  window.kgFitLabels = () => placeEdgeLabels();
  const options = {
    autoResize: true,
    groups: DATA.groups,
    layout: { improvedLayout: false, randomSeed: 42 },
    physics: { enabled: false, solver: "forceAtlas2Based", stabilization: { enabled: false } },
    interaction: { hover: !large, tooltipDelay: 150, hideEdgesOnDrag: large, hideEdgesOnZoom: large, multiselect: false },
    nodes: { borderWidth: 1, font: { size: DATA.nodeFontPx, face: DATA.font } },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#999999", highlight: "#333333", hover: "#333333", inherit: false },
      font: { size: DATA.edgeLabelPx, face: DATA.font, align: "horizontal", color: EDGE_LABEL_COLOUR, strokeWidth: 3 },
      chosen: { label: showEdgeLabel },
      smooth: large ? false : { enabled: true, type: "continuous", roundness: 0.3 },
    },
  };
  const container = document.getElementById("network");
  const network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);
  window.network = network;
  window.kgCounts = { nodes: DATA.nodes.length, edges: DATA.edges.length };
  window.kgReady = false;
  let pendingFit = false;
  network.on("zoom", function () {
    if (pendingFit) return;
    pendingFit = true;
    requestAnimationFrame(function () { pendingFit = false; placeEdgeLabels(); });
  });
  network.on("dragEnd", function (p) { if (p.nodes.length) placeEdgeLabels(); });
  network.once("afterDrawing", function () {
    placeEdgeLabels();
    window.kgReady = true;
    window.kgReadyAt = performance.now();
    setTimeout(function () { window.kgInteractiveAt = performance.now(); }, 0);
  });

  // -- counts ----------------------------------------------------------------
  function updateCounts() {
    document.getElementById("counts").textContent =
      nodeView.length + " / " + DATA.nodes.length + " entities · " + edgeView.length + " / " + DATA.edges.length + " relations";
  }
  updateCounts();

  // -- filters ---------------------------------------------------------------
  function checkbox(parent, value, text, glyph, colour, set) {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox"; box.checked = true; box.value = value;
    box.addEventListener("change", function () {
      if (box.checked) set.delete(value); else set.add(value);
      nodeView.refresh(); edgeView.refresh(); updateCounts(); placeEdgeLabels();
    });
    label.appendChild(box);
    if (glyph) {
      const g = document.createElement("span");
      g.className = "glyph"; g.textContent = glyph; g.style.color = colour;
      label.appendChild(g);
    }
    label.appendChild(document.createTextNode(" " + text));
    parent.appendChild(label);
  }
  const classBox = document.getElementById("class-filters");
  DATA.classes.forEach(([c, n, colour, glyph, family]) =>
    checkbox(classBox, c, c + " (" + n + ")" + (family === "Event" ? " · event" : ""), glyph, colour, hiddenClasses));
  const relBox = document.getElementById("relation-filters");
  DATA.relations.forEach(([r, n]) => checkbox(relBox, r, r + " (" + n + ")", null, null, hiddenRelations));

  // -- physics ---------------------------------------------------------------
  document.getElementById("physics").addEventListener("change", function (ev) {
    network.setOptions({ physics: { enabled: ev.target.checked } });
  });

  // -- labels ----------------------------------------------------------------
  const langSelect = document.getElementById("lang");
  langSelect.value = DATA.lang;
  function fillNames(lang) {
    const list = document.getElementById("names");
    list.textContent = "";
    if (DATA.nodes.length > 5000) return;
    const frag = document.createDocumentFragment();
    DATA.nodes.forEach((n) => { const o = document.createElement("option"); o.value = info[n.id].labels[lang]; frag.appendChild(o); });
    list.appendChild(frag);
  }
  fillNames(DATA.lang);
  langSelect.addEventListener("change", function () {
    const lang = langSelect.value;
    nodes.update(DATA.nodes.map((n) => ({ id: n.id, label: info[n.id].shown[lang] })));
    fillNames(lang);
  });

  // -- details panel -----------------------------------------------------------
  const panel = document.getElementById("details"), body = document.getElementById("details-body");
  function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function row(dl, key, value) { if (value === undefined || value === null || value === "") return; dl.appendChild(el("dt", key)); dl.appendChild(el("dd", value)); }
  function open() { panel.hidden = false; }
  function showNode(id) {
    const d = info[id]; if (!d) return;
    body.textContent = "";
    body.appendChild(el("h2", d.labels[langSelect.value]));
    const dl = el("dl");
    row(dl, "English", d.labels.en); row(dl, "繁體", d.labels["zh-Hant"]); row(dl, "简体", d.labels["zh-Hans"]);
    row(dl, "Other names", d.alt.join("、"));
    row(dl, "Type", d.type); row(dl, "IRI", id); row(dl, "Mentions", d.mentions);
    Object.keys(d.identifiers).forEach((k) => row(dl, k, d.identifiers[k].join(", ")));
    body.appendChild(dl);
    if (d.kind === "event") {
      // an event's roles: the participants it points to (acquirer, target, ...)
      const roles = el("dl");
      edges.get({ filter: (e) => e.from === id && e.role }).forEach((e) =>
        row(roles, e.relation, info[e.to].labels[langSelect.value]));
      body.appendChild(el("h3", "Roles"));
      body.appendChild(roles);
    }
    d.violations.forEach((v) => body.appendChild(el("p", "SHACL: " + v, "vio")));
    open();
  }
  function showEdge(id) {
    const d = evidence[id], e = edges.get(id); if (!d || !e) return;
    const lang = langSelect.value;
    body.textContent = "";
    body.appendChild(el("h2", d.relation));
    body.appendChild(el("p", info[e.from].labels[lang] + " → " + info[e.to].labels[lang]));
    const dl = el("dl");
    row(dl, "Trigger", d.triggers.join("、")); row(dl, "Confidence", d.confidence);
    body.appendChild(dl);
    d.violations.forEach((v) => body.appendChild(el("p", "SHACL: " + v, "vio")));
    body.appendChild(el("h3", "Evidence (" + d.evidence.length + ")"));
    d.evidence.forEach(function (ev) {
      const box = el("div", null, "ev");
      box.appendChild(el("div", ev.sentence || ""));
      const meta = [ev.headline || ev.doc, ev.date ? "date " + ev.date : null,
        ev.confidence !== null && ev.confidence !== undefined ? "confidence " + ev.confidence : null,
        ev.trigger ? "trigger " + ev.trigger : null, ev.role_title ? "role " + ev.role_title : null,
        ev.start !== null && ev.start !== undefined ? "chars " + ev.start + "–" + ev.end : null].filter(Boolean).join(" · ");
      box.appendChild(el("div", meta, "meta"));
      if (ev.doc) box.appendChild(el("div", ev.doc, "meta"));
      body.appendChild(box);
    });
    open();
  }
  window.kgShowNode = showNode; window.kgShowEdge = showEdge;
  document.getElementById("close").addEventListener("click", () => { panel.hidden = true; });
  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
    else panel.hidden = true;
  });

  // -- search ------------------------------------------------------------------
  function find(q) {
    q = q.trim().toLowerCase().replace(/\s+/g, "");
    if (!q) return null;
    let best = null, bestRank = 9;
    for (const n of DATA.nodes) {
      for (const name of info[n.id].names) {
        const rank = name === q ? 0 : name.startsWith(q) ? 1 : name.includes(q) ? 2 : 9;
        if (rank < bestRank) { best = n.id; bestRank = rank; if (rank === 0) return best; }
      }
    }
    return best;
  }
  function focusEntity(q) {
    const id = find(q), status = document.getElementById("search-status");
    if (!id) { status.textContent = "not found"; return null; }
    status.textContent = "";
    if (hiddenClasses.has(info[id].type)) {
      hiddenClasses.delete(info[id].type);
      classBox.querySelectorAll("input").forEach((b) => { if (b.value === info[id].type) b.checked = true; });
      nodeView.refresh(); edgeView.refresh(); updateCounts();
    }
    network.selectNodes([id]);
    network.focus(id, { scale: 1.2, animation: false });
    showNode(id);
    return id;
  }
  window.kgSearch = focusEntity;
  const search = document.getElementById("search");
  search.addEventListener("keydown", (ev) => { if (ev.key === "Enter") focusEntity(search.value); });
  search.addEventListener("change", () => focusEntity(search.value));
})();
