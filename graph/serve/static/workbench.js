/* The cnfinkg workbench: YASGUI pointed at this server's own SPARQL endpoint.
 *
 * The server (graph/serve.py) serves this file; it gives
 *   GET queries   -> [{name, description, sparql}]  the named-query library (ontology/queries)
 *   GET prefixes  -> {prefix: namespace}            the project's prefixes (graph/vocab.py)
 *   GET entity?iri=IRI                              an entity's page; kgid: IRIs in tables link to it
 * Nothing is loaded from anywhere else: YASGUI is vendored under static/vendor/yasgui/ and the
 * autocompleters that call the Linked Open Vocabularies API are switched off.
 */
(function () {
  "use strict";

  var base = document.baseURI;
  var endpoint = new URL("sparql", base).href;
  var state = { ready: false, error: null, yasgui: null, queries: [], prefixes: {} };
  window.kgWorkbench = state;

  function getJson(path) {
    return fetch(new URL(path, base).href, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return r.json();
    });
  }

  function prefixBlock(prefixes) {
    return Object.keys(prefixes).map(function (p) {
      return "PREFIX " + p + ": <" + prefixes[p] + ">\n";
    }).join("");
  }

  function configureYasgui(prefixes) {
    var Yasqe = Yasgui.Yasqe;
    // Offline: "property" and "class" completions query lov.linkeddata.es; keep the local ones only.
    Yasqe.defaults.autocompleters = ["variables", "prefixes"];
    Yasqe.defaults.prefixCcApi = null;
    Yasqe.defaults.value = prefixBlock(prefixes) +
      "\n# Entities and their English labels\nSELECT ?entity ?type ?label WHERE {\n" +
      "  ?entity a ?type ; rdfs:label ?label .\n  FILTER(STRSTARTS(STR(?entity), STR(kgid:)) && langMatches(LANG(?label), \"en\"))\n" +
      "}\nORDER BY ?label\nLIMIT 100\n";
    Yasgui.defaults.requestConfig.endpoint = endpoint;
    Yasgui.defaults.requestConfig.method = "POST";
    Yasgui.defaults.requestConfig.acceptHeaderSelect = "application/sparql-results+json,*/*;q=0.9";
    Yasgui.defaults.requestConfig.acceptHeaderGraph = "text/turtle,*/*;q=0.9";
    Yasgui.defaults.endpointCatalogueOptions.getData = function () {
      return [{ endpoint: endpoint }];
    };
    Yasgui.defaults.yasr.prefixes = prefixes; // results show kg:…, kgid:… instead of full IRIs
  }

  function renderPrefixes(prefixes) {
    var dl = document.getElementById("prefix-list");
    Object.keys(prefixes).forEach(function (p) {
      var dt = document.createElement("dt");
      dt.textContent = p + ":";
      var dd = document.createElement("dd");
      dd.textContent = prefixes[p];
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    document.getElementById("insert-prefixes").addEventListener("click", function () {
      var tab = state.yasgui && state.yasgui.getTab();
      if (tab && tab.getYasqe()) tab.getYasqe().addPrefixes(prefixes);
    });
  }

  /** Open a named query in a new tab (or the tab that already holds it) and run it. */
  function openNamed(name) {
    var q = state.queries.find(function (x) { return x.name === name; });
    if (!q) throw new Error("no named query " + name);
    var y = state.yasgui;
    var tab = null;
    Object.keys(y._tabs).forEach(function (id) {
      var t = y._tabs[id];
      if (t.getName() === q.name && t.getPersistedJson().yasqe.value === q.sparql) tab = t;
    });
    if (tab) {
      y.selectTabId(tab.getId());
    } else {
      tab = y.addTab(true, { name: q.name, yasqe: { value: q.sparql }, requestConfig: { endpoint: endpoint } });
    }
    return tab.query();
  }

  /** Entities in result tables link to their entity page (the IRI stays in the title). */
  function linkEntities(root) {
    var ns = state.prefixes.kgid;
    if (!ns) return;
    root.querySelectorAll(".yasr table a[href]").forEach(function (a) {
      var iri = a.getAttribute("href");
      if (a.dataset.iri || iri.indexOf(ns) !== 0) return;
      a.dataset.iri = iri;
      a.title = iri;
      a.href = new URL("entity?iri=" + encodeURIComponent(iri), base).href;
    });
  }

  function renderGallery(queries) {
    var ul = document.getElementById("gallery-list");
    queries.forEach(function (q) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.dataset.query = q.name;
      b.title = q.sparql;
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = q.name;
      var desc = document.createElement("span");
      desc.className = "desc";
      desc.textContent = q.description;
      b.appendChild(name);
      b.appendChild(desc);
      b.addEventListener("click", function () {
        openNamed(q.name).catch(function (e) { console.warn(e); });
      });
      li.appendChild(b);
      ul.appendChild(li);
    });
  }

  function start() {
    document.getElementById("endpoint-info").textContent = endpoint;
    Promise.all([getJson("prefixes"), getJson("queries")]).then(function (res) {
      state.prefixes = res[0];
      state.queries = res[1];
      configureYasgui(state.prefixes);
      renderPrefixes(state.prefixes);
      renderGallery(state.queries);
      state.yasgui = new Yasgui(document.getElementById("yasgui"), {
        // History (tabs, queries, last results) is kept in localStorage, one history per server address.
        persistenceId: "cnfinkg-" + location.host,
        copyEndpointOnNewTab: true,
      });
      state.openNamed = openNamed;
      var main = document.getElementById("yasgui");
      new MutationObserver(function () { linkEntities(main); }).observe(main, { childList: true, subtree: true });
      state.ready = true;
    }).catch(function (e) {
      state.error = String(e);
      console.error("workbench:", e);
      document.getElementById("yasgui").textContent = "The workbench could not start: " + e;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
