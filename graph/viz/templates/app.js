/* The offline viewer's script (kg viz): the page's network, search, labels in three scripts and
 * the details panel, over the payload embedded in the page (#kg-data).  The explore panels it
 * shares with the workbench are KGExplore, in explore.js, loaded before this file.
 */
(function () {
  "use strict";
  const dataEl = document.getElementById("kg-data");
  if (!dataEl) return; // not a kg viz page
  const DATA = JSON.parse(dataEl.textContent), info = DATA.info, evidence = DATA.evidence, large = DATA.large;
  let ex = null;

  // -- edge labels -------------------------------------------------------------
  // Edge labels are drawn DATA.edgeLabelPx screen pixels high whatever the zoom.  After each zoom the
  // labels are placed greedily, strongest edge first: a label that would cover a node, a node's label
  // or a label already placed stays hidden, and shows (bold) only while its edge is hovered or selected.
  // Large graphs show labels on hover and selection only.
  const EDGE_LABEL_COLOUR = "#333333", HIDDEN = "rgba(0,0,0,0)";
  let edgeLabelSize = DATA.edgeLabelPx, shownLabels = new Set();
  function showEdgeLabel(values, id, selected, hovering) {
    if (selected || hovering) { values.size = edgeLabelSize; values.color = EDGE_LABEL_COLOUR; values.strokeWidth = 3; values.mod = "bold"; }
  }
  const overlaps = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  function midpoint(id, p, q) {
    const e = ex.network.body.edges[id];
    try { if (e && e.edgeType && e.edgeType.getPoint) return e.edgeType.getPoint(0.5); } catch (err) { /* straight */ }
    return { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
  }
  function placeEdgeLabels() {
    const network = ex.network, scale = network.getScale();
    if (!(scale > 0)) return;
    edgeLabelSize = DATA.edgeLabelPx / scale;
    if (large) { network.setOptions({ edges: { font: { size: edgeLabelSize, color: HIDDEN, strokeWidth: 0 } } }); return; }
    const taken = ex.nodeView.getIds().map((id) => { const b = network.getBoundingBox(id); return [b.left, b.top, b.right, b.bottom]; });
    const pos = network.getPositions(), h = edgeLabelSize * 1.25, shown = new Set();
    const order = ex.edgeView.get().sort((a, b) => (b.width || 1) - (a.width || 1) || (a.id < b.id ? -1 : 1));
    for (const e of order) {
      const p = pos[e.from], q = pos[e.to];
      if (!p || !q || e.from === e.to) continue;
      const m = midpoint(e.id, p, q), w = e.label.length * 0.62 * edgeLabelSize + 4, box = [m.x - w / 2, m.y - h / 2, m.x + w / 2, m.y + h / 2];
      if (taken.some((t) => overlaps(box, t))) continue;
      taken.push(box); shown.add(e.id);
    }
    shownLabels = shown;
    ex.edges.update(DATA.edges.map((e) => ({ id: e.id, font: shown.has(e.id) ? { size: edgeLabelSize, color: EDGE_LABEL_COLOUR, strokeWidth: 3 }
      : { size: edgeLabelSize, color: HIDDEN, strokeWidth: 0 } })));
  }
  window.kgEdgeLabels = () => ({ size: edgeLabelSize, shown: [...shownLabels], scale: ex.network.getScale() });
  window.kgFitLabels = () => placeEdgeLabels();

  // -- search: every name of every node, in any script ----------------------------
  function rank(q, n) {
    q = q.trim().toLowerCase().replace(/\s+/g, "");
    if (!q) return [];
    const scored = [];
    for (const node of DATA.nodes) {
      let best = 9;
      for (const name of info[node.id].names) best = Math.min(best, name === q ? 0 : name.startsWith(q) ? 1 : name.includes(q) ? 2 : 9);
      if (best < 9) scored.push([best, node.id]);
      if (best === 0 && n === 1) break;
    }
    return scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1)).slice(0, n).map((s) => s[1]);
  }
  const langSelect = document.getElementById("lang");
  langSelect.value = DATA.lang;
  const hooks = {
    search: (q) => rank(q, 10).map((id) => ({ id: id, label: info[id].shown[langSelect.value] })),
    focus: (id, hops) => ({ scope: [...KGExplore.around(DATA.edges, id, hops)] }),
    path: (a, b) => ({ path: KGExplore.shortestPath(DATA.edges, a, b) || [], note: "no path between these two in this file" }),
  };
  const options = {
    autoResize: true,
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
  const legend = {};
  DATA.classes.forEach(([c, , colour, glyph, family]) => { legend[c] = [colour, glyph, family]; });
  ex = KGExplore.create({ container: document.getElementById("network"), options: options, font: DATA.font, hooks: hooks,
    graph: { nodes: DATA.nodes, edges: DATA.edges, documents: DATA.documents, groups: DATA.groups, legend: legend } });
  const network = ex.network;
  window.network = network; window.kgExplore = ex;
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
  function updateCounts() {
    document.getElementById("counts").textContent =
      ex.nodeView.length + " / " + DATA.nodes.length + " entities · " + ex.edgeView.length + " / " + DATA.edges.length + " relations";
  }
  ex.onChange = function () { updateCounts(); if (window.kgReady) placeEdgeLabels(); };
  KGExplore.panels(ex, document.getElementById("panels"));
  updateCounts();
  document.getElementById("physics").addEventListener("change", (ev) => network.setOptions({ physics: { enabled: ev.target.checked } }));

  // -- labels in the chosen script ----------------------------------------------
  function fillNames(lang) {
    const list = document.getElementById("names");
    list.textContent = "";
    if (DATA.nodes.length > 5000) return;
    const frag = document.createDocumentFragment();
    DATA.nodes.forEach((n) => frag.appendChild(KGExplore.el("option", { value: info[n.id].labels[lang] })));
    list.appendChild(frag);
  }
  fillNames(DATA.lang);
  langSelect.addEventListener("change", function () {
    ex.nodes.update(DATA.nodes.map((n) => ({ id: n.id, label: info[n.id].shown[langSelect.value] })));
    fillNames(langSelect.value);
  });

  // -- details panel -----------------------------------------------------------
  const panel = document.getElementById("details"), body = document.getElementById("details-body"), el = KGExplore.el;
  function row(dl, key, value) { if (value !== undefined && value !== null && value !== "") dl.append(el("dt", {}, key), el("dd", {}, value)); }
  function showNode(id) {
    const d = info[id], lang = langSelect.value, dl = el("dl");
    if (!d) return;
    body.textContent = "";
    body.appendChild(el("h2", {}, d.labels[lang]));
    row(dl, "English", d.labels.en); row(dl, "繁體", d.labels["zh-Hant"]); row(dl, "简体", d.labels["zh-Hans"]);
    row(dl, "Other names", d.alt.join("、")); row(dl, "Type", d.type); row(dl, "IRI", id); row(dl, "Mentions", d.mentions);
    Object.keys(d.identifiers).forEach((k) => row(dl, k, d.identifiers[k].join(", ")));
    body.appendChild(dl);
    if (d.kind === "event") { // an event's roles: the participants it points to (acquirer, target, ...)
      const roles = el("dl");
      ex.edges.get({ filter: (e) => e.from === id && e.role }).forEach((e) => row(roles, e.relation, info[e.to].labels[lang]));
      body.append(el("h3", {}, "Roles"), roles);
    }
    d.violations.forEach((v) => body.appendChild(el("p", { class: "vio" }, "SHACL: " + v)));
    panel.hidden = false;
  }
  function showEdge(id) {
    const d = evidence[id], e = ex.edges.get(id), lang = langSelect.value, dl = el("dl");
    if (!d || !e) return;
    body.textContent = "";
    body.append(el("h2", {}, d.relation), el("p", {}, info[e.from].labels[lang] + " → " + info[e.to].labels[lang]));
    row(dl, "Trigger", d.triggers.join("、")); row(dl, "Confidence", d.confidence);
    body.appendChild(dl);
    d.violations.forEach((v) => body.appendChild(el("p", { class: "vio" }, "SHACL: " + v)));
    body.appendChild(el("h3", {}, "Evidence (" + d.evidence.length + ")"));
    d.evidence.forEach(function (ev) {
      const has = (v) => v !== null && v !== undefined;
      const meta = [ev.headline || ev.doc, ev.date ? "date " + ev.date : null, has(ev.confidence) ? "confidence " + ev.confidence : null,
        ev.trigger ? "trigger " + ev.trigger : null, ev.role_title ? "role " + ev.role_title : null,
        has(ev.start) ? "chars " + ev.start + "–" + ev.end : null].filter(Boolean).join(" · ");
      const box = el("div", { class: "ev" });
      box.append(el("div", {}, ev.sentence || ""), el("div", { class: "meta" }, meta));
      if (ev.doc) box.appendChild(el("div", { class: "meta" }, ev.doc));
      body.appendChild(box);
    });
    panel.hidden = false;
  }
  window.kgShowNode = showNode; window.kgShowEdge = showEdge;
  document.getElementById("close").addEventListener("click", () => { panel.hidden = true; });
  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]); else if (p.edges.length) showEdge(p.edges[0]); else panel.hidden = true;
  });

  // -- the search box: select, show and open the entity, even if its class is switched off --------
  function focusEntity(q) {
    const id = rank(q, 1)[0], status = document.getElementById("search-status");
    status.textContent = id ? "" : "not found";
    if (!id) return null;
    if (ex.hidden.classes.delete(info[id].type) || (ex.scope && !ex.scope.has(id))) { ex.scope = null; ex.lists(); ex.refresh(); }
    network.selectNodes([id]); ex.selected = id;
    network.focus(id, { scale: 1.2, animation: false });
    showNode(id);
    return id;
  }
  window.kgSearch = focusEntity;
  const search = document.getElementById("search");
  search.addEventListener("keydown", (ev) => { if (ev.key === "Enter") focusEntity(search.value); });
  search.addEventListener("change", () => focusEntity(search.value));
})();
