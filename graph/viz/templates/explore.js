/* The explore panels both graph views share (kg viz and the kg serve workbench): KGExplore.
 *
 * Filters by class, relation, minimum confidence, document and publication date; a focus on one
 * entity with N hops; the shortest path between two entities, highlighted; the view as PNG (the
 * canvas) or SVG (drawn from the node positions); and a radial layout for nodes that arrive without
 * positions.  `kg serve` sends this file to the workbench as static/viewer/explore.js, whose hooks
 * ask the server for each subgraph; the offline viewer's hooks (app.js) walk the embedded payload.
 */
(function () {
  "use strict";
  const HIGHLIGHT = "#e6550d";
  const UNIT = { diamond: [[0, -1.25], [1.25, 0], [0, 1.25], [-1.25, 0]], square: [[-1, -1], [1, -1], [1, 1], [-1, 1]],
    triangle: [[0, -1.2], [1.04, 0.6], [-1.04, 0.6]], triangleDown: [[0, 1.2], [1.04, -0.6], [-1.04, -0.6]] };
  UNIT.hexagon = [0, 1, 2, 3, 4, 5].map((i) => [Math.cos(i * Math.PI / 3), Math.sin(i * Math.PI / 3)]);
  UNIT.star = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [(i % 2 ? 0.5 : 1.2) * Math.sin(i * Math.PI / 5), -(i % 2 ? 0.5 : 1.2) * Math.cos(i * Math.PI / 5)]);

  function adjacency(edges) {
    const adj = new Map(), link = (a, b) => { if (!adj.has(a)) adj.set(a, []); adj.get(a).push(b); };
    edges.forEach((e) => { link(e.from, e.to); link(e.to, e.from); });
    return adj;
  }

  /** Breadth-first rings from `start`, either direction, inside `wanted` (if given), for `hops` or until `goal`; fills `parent`. */
  function rings(adj, start, hops, wanted, goal, parent) {
    parent.set(start, null);
    const out = [[start]];
    for (let ring = out[0]; ring.length && out.length <= hops && !parent.has(goal);) {
      const next = [];
      ring.forEach((n) => (adj.get(n) || []).forEach((m) => { if ((!wanted || wanted.has(m)) && !parent.has(m)) { parent.set(m, n); next.push(m); } }));
      if (next.length) out.push(next);
      ring = next;
    }
    return out;
  }
  /** The ids within `hops` links of `start`. */
  function around(edges, start, hops) {
    const parent = new Map();
    rings(adjacency(edges), start, hops, null, undefined, parent);
    return new Set(parent.keys());
  }
  /** The nodes of a shortest path from a to b (either direction), or null. */
  function shortestPath(edges, a, b) {
    const parent = new Map(), path = [];
    rings(adjacency(edges), a, Infinity, null, b, parent);
    if (!parent.has(b)) return null;
    for (let n = b; n !== null; n = parent.get(n)) path.unshift(n);
    return path;
  }

  /** Positions in rings around each component's root (the given roots first, then the best-linked node), packed in rows. */
  function radial(ids, edges, roots) {
    const adj = adjacency(edges), pos = {}, done = new Map(), wanted = new Set(ids), degree = (n) => (adj.get(n) || []).length;
    const starts = roots.filter((r) => wanted.has(r)).concat(ids.slice().sort((a, b) => degree(b) - degree(a) || (a < b ? -1 : 1)));
    const width = Math.max(1600, Math.sqrt(ids.length) * 160);
    let x = 0, y = 0, rowHeight = 0;
    starts.forEach((root) => {
      if (done.has(root)) return;
      let radius = 0;
      const local = {};
      rings(adj, root, Infinity, wanted, undefined, done).forEach((ring, depth) => {
        radius = depth ? Math.max(radius + 150, ring.length * 34 / (2 * Math.PI)) : 0;
        ring.forEach((n, i) => { const a = 2 * Math.PI * i / ring.length; local[n] = [radius * Math.cos(a), radius * Math.sin(a)]; });
      });
      const size = 2 * radius + 120;
      if (x > 0 && x + size > width) { x = 0; y += rowHeight; rowHeight = 0; }
      Object.keys(local).forEach((n) => { pos[n] = { x: x + size / 2 + local[n][0], y: y + size / 2 + local[n][1] }; });
      x += size; rowHeight = Math.max(rowHeight, size);
    });
    return pos;
  }

  const esc = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  function shapeSvg(o, x, y) {
    const r = o.size || 10, colour = o.color || {};
    const paint = `fill="${esc(colour.background || "#97c2fc")}" stroke="${esc(colour.border || "#2b7ce9")}" stroke-width="${o.borderWidth || 1}"`;
    const unit = UNIT[o.shape];
    if (!unit) return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" ${paint}/>`;
    return `<polygon points="${unit.map(([a, b]) => (x + a * r).toFixed(1) + "," + (y + b * r).toFixed(1)).join(" ")}" ${paint}/>`;
  }

  function edgeSvg(o, p, q, gap, label) {
    const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1, ux = dx / len, uy = dy / len;
    const tx = q.x - ux * (gap + 2), ty = q.y - uy * (gap + 2), bx = tx - ux * 10, by = ty - uy * 10;
    const colour = esc((o.color && o.color.color) || "#999999"), w = o.width || 1;
    const head = [[tx, ty], [bx - uy * 4, by + ux * 4], [bx + uy * 4, by - ux * 4]].map((v) => v[0].toFixed(1) + "," + v[1].toFixed(1));
    const out = [`<line x1="${p.x.toFixed(1)}" y1="${p.y.toFixed(1)}" x2="${bx.toFixed(1)}" y2="${by.toFixed(1)}" stroke="${colour}" stroke-width="${w}"${o.dashes ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<polygon points="${head.join(" ")}" fill="${colour}"/>`];
    if (label) out.push(`<text x="${((p.x + q.x) / 2).toFixed(1)}" y="${((p.y + q.y) / 2).toFixed(1)}" font-size="11" fill="#333" text-anchor="middle">${esc(label)}</text>`);
    return `<g class="edge">${out.join("")}</g>`;
  }

  /** The shown nodes and edges as an SVG document; the browser's own parser gives it its namespace. */
  function toSvg(ex) {
    const ids = ex.nodeView.getIds(), pos = ex.network.getPositions(ids), body = ex.network.body, parts = [];
    const half = (id) => [...String(ex.nodes.get(id).label || "")].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e80 ? 1 : 0.6), 0) * 8 + 20;
    const xs = ids.map((id) => [pos[id].x - half(id), pos[id].x + half(id)]).flat(), ys = ids.map((id) => pos[id].y);
    const x0 = Math.min(...xs, 0), y0 = Math.min(...ys, 0) - 60, w = Math.max(...xs, 0) - x0, h = Math.max(...ys, 0) - y0 + 80;
    const labels = ex.edgeView.length <= 500;
    ex.edgeView.forEach((e) => {
      const p = pos[e.from], q = pos[e.to], be = body.edges[e.id], bt = body.nodes[e.to];
      if (p && q && be && e.from !== e.to) parts.push(edgeSvg(be.options, p, q, bt ? bt.options.size || 10 : 10, labels ? e.relation || e.label : ""));
    });
    ids.forEach((id) => {
      const o = body.nodes[id].options, p = pos[id], font = o.font || {};
      parts.push(`<g class="node">${shapeSvg(o, p.x, p.y)}`);
      const text = String(ex.nodes.get(id).label || "").split("\n")[0];
      parts.push((text ? `<text x="${p.x.toFixed(1)}" y="${(p.y + (o.size || 10) + (font.size || 14)).toFixed(1)}" font-size="${font.size || 14}" fill="${esc(font.color || "#343434")}" text-anchor="middle">${esc(text)}</text>` : "") + "</g>");
    });
    const box = document.createElement("div");
    box.innerHTML = `<svg version="1.1" width="${Math.ceil(w)}" height="${Math.ceil(h)}" viewBox="${x0.toFixed(1)} ${y0.toFixed(1)} ${w.toFixed(1)} ${h.toFixed(1)}" ` +
      `font-family="${esc(ex.font)}"><rect x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="#ffffff"/>${parts.join("")}</svg>`;
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(box.firstChild);
  }

  /** What is on the canvas, on white, as a PNG blob. */
  function toPng(ex) {
    const src = ex.container.querySelector("canvas"), out = document.createElement("canvas");
    out.width = src.width; out.height = src.height;
    const g = out.getContext("2d");
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, out.width, out.height); g.drawImage(src, 0, 0);
    return new Promise((ok, fail) => out.toBlob((b) => (b ? ok(b) : fail(new Error("the canvas gave no PNG"))), "image/png"));
  }

  function save(blob, name) {
    const url = URL.createObjectURL(blob), a = document.createElement("a");
    a.href = url; a.download = name; a.hidden = true;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    return { name: name, size: blob.size, type: blob.type };
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach((k) => { if (k === "class") e.className = attrs[k]; else e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /** A view: vis DataSets behind filtered DataViews, the network, the filters and the highlighted path. */
  function create(opts) {
    const ex = { nodes: new vis.DataSet(), edges: new vis.DataSet(), documents: {}, groups: {}, legend: {}, hooks: opts.hooks || {},
      hidden: { classes: new Set(), relations: new Set() }, minConfidence: 0, doc: "", from: "", to: "", scope: null, path: [],
      pinned: new Set(), pathEdges: new Set(), saved: [], selected: null, font: opts.font || "sans-serif", container: opts.container };
    let ends = null;
    const dateOk = (doc) => { const d = (ex.documents[doc] || {}).date; return !!d && (!ex.from || d >= ex.from) && (!ex.to || d <= ex.to); };
    let groupOf = new Map(); // node id -> class: the filters run for every edge, a DataSet lookup each time is too slow
    const classOk = (id) => groupOf.has(id) && (!ex.scope || ex.scope.has(id)) && (ex.pinned.has(id) || !ex.hidden.classes.has(groupOf.get(id)));
    function edgeShown(e) {
      if (ex.pathEdges.has(e.id)) return true;
      if (ex.hidden.relations.has(e.relation) || !classOk(e.from) || !classOk(e.to)) return false;
      const docs = e.docs || [];
      return !(ex.minConfidence > 0 && !(e.confidence >= ex.minConfidence)) && !(ex.doc && docs.indexOf(ex.doc) < 0) &&
        !((ex.from || ex.to) && !docs.some(dateOk));
    }
    /** Apply the filters; an entity left without a shown relation by an edge filter is hidden too. */
    ex.refresh = function () {
      ends = null;
      if (ex.minConfidence > 0 || ex.doc || ex.from || ex.to) {
        ends = new Set();
        ex.edges.forEach((e) => { if (edgeShown(e)) { ends.add(e.from); ends.add(e.to); } });
      }
      ex.nodeView.refresh(); ex.edgeView.refresh();
      if (ex.onChange) ex.onChange(ex);
    };
    function load(graph, positions) {
      Object.assign(ex.documents, graph.documents || {}); Object.assign(ex.legend, graph.legend || {});
      const styles = graph.groups || {}, newStyle = Object.keys(styles).some((g) => !ex.groups[g]);
      Object.assign(ex.groups, styles);
      if (newStyle && ex.network) ex.network.setOptions({ groups: ex.groups });
      const known = new Set(ex.nodes.getIds()), fresh = (graph.nodes || []).filter((n) => !known.has(n.id));
      if (ex.onSize) ex.onSize(known.size + fresh.length); // before drawing: a large view must not start a simulation
      (graph.nodes || []).forEach((n) => groupOf.set(n.id, n.group || ""));
      ex.nodes.update((graph.nodes || []).filter((n) => known.has(n.id)).map((n) => { const c = Object.assign({}, n); delete c.x; delete c.y; return c; }));
      ex.nodes.add(fresh.map((n) => Object.assign({}, n, positions[n.id] || {})));
      const seen = new Set(ex.edges.getIds());
      ex.edges.add((graph.edges || []).filter((e) => !seen.has(e.id)).map((e) => Object.assign({ label: e.relation }, e)));
      return fresh.length;
    }
    /** Fill fresh DataSets and hand them to the network at once: vis draws a new data set far faster than it takes additions. */
    function rebuild(graph, positions) {
      ex.nodes = new vis.DataSet(); ex.edges = new vis.DataSet(); groupOf = new Map();
      const drawn = load(graph, positions);
      ex.nodeView = new vis.DataView(ex.nodes, { filter: (n) => classOk(n.id) && (!ends || ends.has(n.id) || ex.pinned.has(n.id)) });
      ex.edgeView = new vis.DataView(ex.edges, { filter: edgeShown });
      if (ex.network) ex.network.setData({ nodes: ex.nodeView, edges: ex.edgeView });
      return drawn;
    }
    ex.merge = function (graph, positions) {
      const drawn = load(graph, positions);
      if (ex.lists) ex.lists();
      ex.refresh();
      return drawn;
    };
    const rings = (graph, roots) => ((graph.nodes || []).every((n) => n.x !== undefined) ? {} :
      radial((graph.nodes || []).map((n) => n.id), graph.edges || [], roots || []));
    rebuild(opts.graph || {}, rings(opts.graph || {}, []));
    ex.network = new vis.Network(opts.container, { nodes: ex.nodeView, edges: ex.edgeView }, Object.assign({ groups: ex.groups }, opts.options));
    ex.network.on("selectNode", (p) => { ex.selected = p.nodes[0]; });

    /** Add a subgraph; a new node sits near a neighbour already drawn (a sunflower around it), else in rings beside the view. */
    ex.add = function (graph) {
      const pos = ex.network.getPositions(), count = {}, adj = adjacency(graph.edges || []);
      const pending = (graph.nodes || []).filter((n) => !pos[n.id] && n.x === undefined).map((n) => n.id);
      for (let moved = true; moved && pending.length;) {
        moved = false;
        for (let i = pending.length - 1; i >= 0; i--) {
          const near = (adj.get(pending[i]) || []).find((m) => pos[m]);
          if (!near) continue;
          const k = count[near] = (count[near] || 0) + 1, r = 110 + 40 * Math.sqrt(k), a = k * 2.39996;
          pos[pending[i]] = { x: pos[near].x + r * Math.cos(a), y: pos[near].y + r * Math.sin(a) };
          pending.splice(i, 1); moved = true;
        }
      }
      const xs = Object.values(pos).map((p) => p.x), right = xs.length ? Math.max(...xs) + 300 : 0, rest = radial(pending, graph.edges || [], []);
      pending.forEach((id) => { pos[id] = { x: rest[id].x + right, y: rest[id].y }; });
      return ex.merge(graph, pos);
    };
    /** Draw only this subgraph, in rings around `roots`. */
    ex.replace = function (graph, roots) {
      ex.saved = []; ex.clearPath(); ex.scope = null;
      const drawn = rebuild(graph, rings(graph, roots));
      ex.lists(); ex.refresh(); ex.network.fit();
      return drawn;
    };
    ex.clearPath = function () {
      ex.nodes.update(ex.saved.filter((s) => !s.from && ex.nodes.get(s.id)));
      ex.edges.update(ex.saved.filter((s) => s.from && ex.edges.get(s.id)));
      ex.saved = []; ex.pinned = new Set(); ex.pathEdges = new Set(); ex.path = [];
    };
    /** Highlight the path's nodes and every edge between two consecutive ones; they stay shown whatever the filters. */
    ex.highlight = function (path) {
      ex.clearPath();
      const pairs = new Set();
      path.slice(1).forEach((b, i) => { pairs.add(path[i] + "\u0001" + b); pairs.add(b + "\u0001" + path[i]); });
      const hit = ex.edges.get({ filter: (e) => pairs.has(e.from + "\u0001" + e.to) });
      ex.saved = ex.nodes.get(path).filter(Boolean).map((n) => ({ id: n.id, borderWidth: n.borderWidth || 1,
        color: n.color || (ex.groups[n.group] || {}).color || opts.nodeColor || {} }))
        .concat(hit.map((e) => ({ id: e.id, from: e.from, width: e.width || 1, color: e.color || opts.edgeColor || { color: "#999999" } })));
      ex.nodes.update(ex.saved.filter((s) => !s.from).map((s) => ({ id: s.id, borderWidth: 5,
        color: { background: s.color.background, border: HIGHLIGHT, highlight: { background: s.color.background, border: HIGHLIGHT } } })));
      ex.edges.update(hit.map((e) => ({ id: e.id, width: 5, color: { color: HIGHLIGHT, highlight: HIGHLIGHT, hover: HIGHLIGHT } })));
      ex.pinned = new Set(path); ex.pathEdges = new Set(hit.map((e) => e.id)); ex.path = path.slice();
      if (ex.scope) path.forEach((n) => ex.scope.add(n));
      ex.refresh();
      return { nodes: path.length, edges: hit.length };
    };
    ex.focusOn = (id, hops) => Promise.resolve(ex.hooks.focus(id, hops)).then((r) => {
      if (r.nodes) ex.replace(r, [id]); else { ex.clearPath(); ex.scope = new Set(r.scope); ex.refresh(); }
      ex.network.selectNodes([id]); ex.selected = id;
      ex.network.fit({ nodes: ex.nodeView.getIds() });
      return r;
    });
    ex.pathBetween = (a, b) => Promise.resolve(ex.hooks.path(a, b)).then((r) => {
      if (r.nodes) ex.add(r);
      if (r.path && r.path.length) { ex.highlight(r.path); ex.network.fit({ nodes: r.path }); }
      return r;
    });
    ex.download = function (kind) {
      const made = kind === "svg" ? Promise.resolve(new Blob([toSvg(ex)], { type: "image/svg+xml" })) : toPng(ex);
      return made.then((blob) => { ex.lastBlob = blob; ex.lastExport = save(blob, "kg-view." + kind); return ex.lastExport; });
    };
    ex.svg = () => toSvg(ex);
    ex.counts = () => ({ nodes: ex.nodeView.length, edges: ex.edgeView.length, allNodes: ex.nodes.length, allEdges: ex.edges.length });
    return ex;
  }

  let serial = 0;
  const PANELS = '<section class="kg-x"><h3>Filters</h3><h4>Classes</h4><div class="kg-x-classes"></div><h4>Relations</h4>' +
    '<div class="kg-x-relations"></div><label>Min. confidence <input type="range" class="kg-x-confidence" min="0" max="1" step="0.05" value="0"> ' +
    '<output>0</output></label><label>Document <select class="kg-x-doc"></select></label><label>Published from <input type="date" class="kg-x-from">' +
    '</label><label> to <input type="date" class="kg-x-to"></label><button type="button" class="kg-x-reset">Reset filters</button></section>' +
    '<section class="kg-x"><h3>Focus</h3><input type="search" class="kg-x-name kg-x-focus-name" placeholder="entity (or the selected node)">' +
    '<select class="kg-x-hops"><option value="1">1 hop</option><option value="2">2 hops</option><option value="3">3 hops</option></select>' +
    '<button type="button" class="kg-x-focus">Focus</button><button type="button" class="kg-x-all">Show all</button></section>' +
    '<section class="kg-x"><h3>Path</h3><input type="search" class="kg-x-name kg-x-from-name" placeholder="from"><button type="button" ' +
    'class="kg-x-pick" title="the selected node">◎</button><input type="search" class="kg-x-name kg-x-to-name" placeholder="to"><button ' +
    'type="button" class="kg-x-pick" title="the selected node">◎</button><button type="button" class="kg-x-path">Find path</button>' +
    '<button type="button" class="kg-x-clear">Clear</button></section><section class="kg-x"><h3>Export</h3>' +
    '<button type="button" class="kg-x-png">PNG</button><button type="button" class="kg-x-svg">SVG</button></section>' +
    '<p class="kg-x-status"></p><datalist></datalist>';

  /** The panels in `root`: filters, focus, path, export (a class or relation list already in `root` is kept, with its id). */
  function panels(ex, root) {
    const q = (cls) => root.querySelector("." + cls), keep = [q("kg-x-classes"), q("kg-x-relations")];
    root.innerHTML = PANELS; // fixed markup; everything from the data goes in as text
    keep.forEach((k) => { if (k) q(k.classList[0]).replaceWith(k); });
    const names = root.querySelector("datalist"), status = q("kg-x-status");
    const [conf, doc, from, to, hops, classes, relations] = ["confidence", "doc", "from", "to", "hops", "classes", "relations"].map((c) => q("kg-x-" + c));
    const on = (cls, act) => q(cls).addEventListener("click", act), say = (text) => { status.textContent = text; }, fail = (e) => say(String(e.message || e));
    let hits = {}, timer = null;
    names.id = "kg-x-names-" + (++serial);
    root.querySelectorAll(".kg-x-name").forEach((box) => {
      box.setAttribute("list", names.id); box.autocomplete = "off";
      box.addEventListener("input", () => {
        clearTimeout(timer);
        if (box.value.trim().length < 2) return;
        timer = setTimeout(() => Promise.resolve(ex.hooks.search(box.value.trim())).then((found) => {
          names.textContent = ""; hits = {};
          found.forEach((h) => { hits[h.label] = h.id; names.appendChild(el("option", { value: h.label })); });
        }), 200);
      });
    });
    function resolve(box) {
      const text = box.value.trim();
      if (!text) return Promise.resolve(ex.selected);
      if (box.dataset.id && box.dataset.label === text) return Promise.resolve(box.dataset.id);
      if (hits[text] || ex.nodes.get(text)) return Promise.resolve(hits[text] || text);
      return Promise.resolve(ex.hooks.search(text)).then((found) => (found.length ? found[0].id : null));
    }
    root.querySelectorAll(".kg-x-pick").forEach((b) => b.addEventListener("click", () => {
      const n = ex.selected && ex.nodes.get(ex.selected), box = b.previousElementSibling;
      if (n) { box.value = n.label; box.dataset.id = n.id; box.dataset.label = n.label; }
    }));
    const apply = () => {
      ex.minConfidence = Number(conf.value); conf.nextElementSibling.textContent = conf.value; ex.doc = doc.value; ex.from = from.value; ex.to = to.value; ex.refresh();
    };
    [conf, doc, from, to].forEach((c) => c.addEventListener(c === conf ? "input" : "change", apply));
    on("kg-x-reset", () => { conf.value = "0"; doc.value = from.value = to.value = ""; ex.hidden.classes.clear(); ex.hidden.relations.clear(); ex.lists(); apply(); });
    on("kg-x-focus", () => resolve(q("kg-x-focus-name")).then((id) => {
      if (!id) throw new Error("no such entity");
      return ex.focusOn(id, Number(hops.value)).then((r) => say("Focus: " + ex.nodeView.length + " nodes within " + hops.value + " hops" + (r.truncated ? " (cut at " + r.limit + ")" : "")));
    }).catch(fail));
    on("kg-x-all", () => Promise.resolve(ex.hooks.reset && ex.hooks.reset()).then(() => { ex.scope = null; ex.clearPath(); ex.refresh(); ex.network.fit(); say(""); }));
    on("kg-x-path", () => Promise.all([resolve(q("kg-x-from-name")), resolve(q("kg-x-to-name"))]).then(([a, b]) => {
      if (!a || !b) throw new Error("pick two entities");
      return ex.pathBetween(a, b).then((r) => say(r.path && r.path.length ? "Path: " + (r.path.length - 1) + " links" : r.note || "no path"));
    }).catch(fail));
    on("kg-x-clear", () => { ex.clearPath(); ex.refresh(); say(""); });
    ["png", "svg"].forEach((kind) => on("kg-x-" + kind, () => ex.download(kind).then((d) => say(d.name + ": " + d.size + " bytes")).catch(fail)));
    function checks(box, counts, hidden, legend) {
      box.textContent = "";
      Object.keys(counts).sort().forEach((k) => {
        const l = el("label"), c = el("input", { type: "checkbox", value: k }), look = legend && legend[k];
        c.checked = !hidden.has(k);
        c.addEventListener("change", () => { if (c.checked) hidden.delete(k); else hidden.add(k); ex.refresh(); });
        l.appendChild(c);
        if (look) { const g = el("span", { class: "glyph" }, look[1]); g.style.color = look[0]; l.appendChild(g); }
        l.appendChild(document.createTextNode(" " + (k || "(no class)") + " (" + counts[k] + ")" + (look && look[2] === "Event" ? " · event" : "")));
        box.appendChild(l);
      });
    }
    /** Rebuild the lists from what is drawn, keeping what is switched off. */
    ex.lists = function () {
      const byClass = {}, byRelation = {}, used = {}, chosen = doc.value, date = (d) => (ex.documents[d].date || "") + d;
      ex.nodes.forEach((n) => { byClass[n.group || ""] = (byClass[n.group || ""] || 0) + 1; });
      ex.edges.forEach((e) => { byRelation[e.relation] = (byRelation[e.relation] || 0) + 1; (e.docs || []).forEach((d) => { used[d] = (used[d] || 0) + 1; }); });
      const listed = Object.keys(ex.documents).sort((a, b) => (used[b] || 0) - (used[a] || 0)).slice(0, 500); // the 500 most cited
      checks(classes, byClass, ex.hidden.classes, ex.legend);
      checks(relations, byRelation, ex.hidden.relations, null);
      doc.textContent = "";
      doc.appendChild(el("option", { value: "" }, "all"));
      listed.sort((a, b) => (date(a) < date(b) ? -1 : 1)).forEach((d) => doc.appendChild(el("option", { value: d, title: d },
        [ex.documents[d].date, ex.documents[d].headline || d.split("/").pop()].filter(Boolean).join(" · "))));
      doc.value = ex.documents[chosen] ? chosen : "";
    };
    ex.say = say;
    ex.lists();
  }

  window.KGExplore = { create: create, panels: panels, radial: radial, around: around, shortestPath: shortestPath, el: el };
})();
