// The graph explorer: Cytoscape.js over /explorer/graph.json. Cytoscape holds only what is shown (a view,
// capped), never the whole graph, so a graph ×100 the size stays responsive. It opens on the pôles grouped
// by region; `?node=`, `?valuechain=`, `?region=` and `?groups=` make a view, kept in the address so that
// it can be linked. Focusing a node shows its neighbourhood, highlights it, names its links and dims the rest.
(function () {
  "use strict";
  var root = document.querySelector(".explorer");
  var groupNames = JSON.parse(document.getElementById("group-names").textContent);
  var words = JSON.parse(document.getElementById("explorer-words").textContent);
  var COLOURS = { pole: "#1f5fa8", programme: "#b86e00", funder: "#217a47", organisation: "#7b45a3", valuechain: "#b02a42" };
  var SHAPES = { pole: "ellipse", programme: "round-rectangle", funder: "diamond", organisation: "ellipse", valuechain: "hexagon" };
  var MAX_NODES = 250;
  var cy, graph, nodes = {}, adjacent = {}, edgesById = {}, byName = {}, extra = {}, focused = null;
  var els = {
    filters: document.getElementById("filters"), valuechain: document.getElementById("valuechain"),
    region: document.getElementById("region"), nodeSelect: document.getElementById("node-select"),
    count: document.getElementById("visible-count"), note: document.getElementById("view-note"),
    search: document.getElementById("node-search"), names: document.getElementById("node-names"),
    link: document.getElementById("view-link"),
  };

  function option(parent, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    parent.appendChild(o);
    return o;
  }
  function checkedGroups() {
    var groups = {};
    els.filters.querySelectorAll("input[name=group]").forEach(function (box) { if (box.checked) groups[box.value] = true; });
    return groups;
  }
  function around(ids) {  // the ids and their neighbours
    var out = {};
    Object.keys(ids).forEach(function (id) {
      out[id] = true;
      (adjacent[id] || []).forEach(function (e) { out[e.other] = true; });
    });
    return out;
  }

  // --- the view in the address ---------------------------------------------------------------------------
  function state() {
    var groups = checkedGroups();
    var all = Object.keys(groupNames).every(function (g) { return groups[g]; });
    var params = new URLSearchParams();
    if (focused) params.set("node", focused);
    if (els.valuechain.value) params.set("valuechain", els.valuechain.value);
    if (els.region.value) params.set("region", els.region.value);
    if (!all) params.set("groups", Object.keys(groups).join(","));
    var lang = new URLSearchParams(window.location.search).get("lang");
    if (lang) params.set("lang", lang);
    return params;
  }
  function remember() {
    var query = state().toString();
    var url = window.location.pathname + (query ? "?" + query : "");
    history.replaceState(null, "", url);
    els.link.href = url;
  }
  function readAddress() {
    var params = new URLSearchParams(window.location.search);
    if (params.get("groups")) {
      var wanted = params.get("groups").split(",");
      els.filters.querySelectorAll("input[name=group]").forEach(function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
    }
    if (params.get("valuechain")) els.valuechain.value = params.get("valuechain");
    if (params.get("region")) els.region.value = params.get("region");
    return params.get("node");
  }

  // --- which nodes a view shows -------------------------------------------------------------------------
  function chosen() {
    var groups = checkedGroups(), vc = els.valuechain.value, region = els.region.value;
    var allowed = null;
    if (vc) { var seed = {}; seed[vc] = true; allowed = around(seed); }
    if (region) {
      var inRegion = {};
      graph.nodes.forEach(function (n) { if (n.regions.indexOf(region) >= 0) inRegion[n.id] = true; });
      var near = around(inRegion);
      if (allowed) { Object.keys(allowed).forEach(function (id) { if (!near[id]) delete allowed[id]; }); } else { allowed = near; }
    }
    var overview = !allowed && !focused && Object.keys(extra).length === 0;
    var shown = [];
    graph.nodes.forEach(function (n) {
      // no filter: the overview, or only what was focused and opened (a neighbourhood, not everything)
      var keep = overview ? n.group === "pole"
        : allowed ? (groups[n.group] && allowed[n.id]) || n.id === vc : false;
      if (keep || extra[n.id]) shown.push(n.id);
    });
    return { ids: shown, overview: overview };
  }

  function draw() {
    var view = chosen();
    var capped = view.ids.length > MAX_NODES;
    var ids = view.ids.slice(0, MAX_NODES);
    Object.keys(extra).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
    var shown = {};
    ids.forEach(function (id) { shown[id] = true; });
    var elements = [];
    if (view.overview) {  // the pôles grouped by region: one compound node per region named for a pôle
      var groupsSeen = {};
      ids.forEach(function (id) {
        var n = nodes[id], region = n.regions[0] || "unplaced";
        if (!groupsSeen[region]) {
          groupsSeen[region] = true;
          var label = region === "unplaced" ? words.unplaced : (graph.regionLabels[region] || region);
          elements.push({ group: "nodes", data: { id: "region:" + region, label: label, compound: true }, classes: "region-group" });
        }
        elements.push({ group: "nodes", data: Object.assign({}, n, { parent: "region:" + region }) });
      });
    } else {
      ids.forEach(function (id) { elements.push({ group: "nodes", data: nodes[id] }); });
      graph.edges.forEach(function (e) { if (shown[e.source] && shown[e.target]) elements.push({ group: "edges", data: e }); });
    }
    cy.batch(function () { cy.elements().remove(); cy.add(elements); });
    cy.layout(view.overview
      ? { name: "cose", animate: false, nodeDimensionsIncludeLabels: true, numIter: 400, nestingFactor: 0.9,
          gravity: 60, nodeRepulsion: function () { return 8000; }, componentSpacing: 40 }
      : { name: "cose", animate: false, randomize: true, nodeDimensionsIncludeLabels: true, numIter: 500,
          nodeRepulsion: function () { return 60000; }, idealEdgeLength: function () { return 80; } }).run();
    cy.fit(cy.elements(), 30);
    if (cy.zoom() > 1.3) { cy.zoom(1.3); cy.center(); }
    els.count.textContent = String(ids.length);
    els.note.textContent = (view.overview ? words.overview + " " : "") + (capped ? words.capped.replace("{n}", MAX_NODES) : "");
    els.nodeSelect.length = 1;
    ids.map(function (id) { return nodes[id]; }).sort(function (a, b) { return a.label.localeCompare(b.label); })
      .forEach(function (n) { option(els.nodeSelect, n.id, n.label); });
    if (focused && shown[focused]) highlight(focused); else if (focused) focused = null;
    root.dataset.view = view.overview ? "overview" : "filtered";
    remember();
  }

  // --- focus: a node, its neighbours highlighted, its links named ------------------------------------------
  function highlight(id) {
    var node = cy.getElementById(id);
    cy.elements().removeClass("faded highlighted focus");
    if (!node.length) return;
    var hood = node.closedNeighborhood();
    cy.elements().not(hood).not(".region-group").addClass("faded");
    hood.addClass("highlighted");
    node.addClass("focus");
    cy.nodes().unselect();
    node.select();
  }

  function focus(id, addNeighbours) {
    var n = nodes[id];
    if (!n) return;
    focused = id;
    extra[id] = true;
    if (addNeighbours) (adjacent[id] || []).forEach(function (e) { extra[e.other] = true; });
    document.getElementById("selected-none").hidden = true;
    document.getElementById("selected").hidden = false;
    document.getElementById("selected-label").textContent = n.label;
    document.getElementById("selected-group").textContent = "(" + groupNames[n.group] + ")";
    document.getElementById("selected-page").href = n.page;
    document.getElementById("selected-expand").dataset.node = id;
    var list = document.getElementById("selected-relations");
    list.textContent = "";
    (adjacent[id] || []).slice(0, 40).forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e.label + " — " + nodes[e.other].label;
      list.appendChild(li);
    });
    root.dataset.selected = id;
    draw();
    els.note.textContent = words.focus.replace("{label}", n.label) + " " + els.note.textContent;
    els.nodeSelect.value = id;
  }

  function start(data) {
    graph = data;
    graph.regionLabels = {};
    graph.regions.forEach(function (r) { graph.regionLabels[r.id] = r.label; option(els.region, r.id, r.label); });
    graph.valueChains.forEach(function (v) { option(els.valuechain, v.id, v.label); });
    graph.nodes.forEach(function (n) {
      nodes[n.id] = n;
      adjacent[n.id] = [];
      [n.label].concat(n.names || []).forEach(function (name) {
        if (byName[name]) return;
        byName[name] = n.id;
        option(els.names, name, name === n.label ? groupNames[n.group] : n.label);
      });
    });
    graph.edges.forEach(function (e) {
      edgesById[e.id] = e;
      if (adjacent[e.source] && adjacent[e.target]) {
        adjacent[e.source].push({ other: e.target, label: e.label });
        adjacent[e.target].push({ other: e.source, label: e.label });
      }
    });
    cy = cytoscape({
      container: document.getElementById("cy"),
      style: [
        { selector: "node", style: {
          "background-color": function (n) { return COLOURS[n.data("group")] || "#666"; },
          shape: function (n) { return SHAPES[n.data("group")] || "ellipse"; },
          label: "data(label)", "font-size": 9, color: "#222", "text-valign": "bottom", "text-margin-y": 2,
          "text-max-width": 110, "text-wrap": "ellipsis", "min-zoomed-font-size": 6, width: 14, height: 14 } },
        { selector: "node[group = 'pole']", style: { width: 20, height: 20, "font-size": 11, "font-weight": "bold" } },
        { selector: "node.region-group", style: { "background-color": "#eef2f8", "background-opacity": 1, shape: "round-rectangle",
          "border-color": "#b9c6da", "border-width": 1, "text-valign": "top", "font-size": 12, color: "#1d3557",
          "font-weight": "bold", padding: 12 } },
        { selector: "node:selected, node.focus", style: { "border-width": 4, "border-color": "#111" } },
        { selector: "edge", style: { width: 1, "line-color": "#b9b9b9", "curve-style": "bezier", "font-size": 8,
          color: "#333", "text-background-color": "#fff", "text-background-opacity": 0.85, "text-rotation": "autorotate" } },
        { selector: "edge.highlighted, edge.hovered", style: { label: "data(label)", width: 2, "line-color": "#555" } },
        { selector: ".faded", style: { opacity: 0.15 } },
      ],
      layout: { name: "preset" },
    });
    cy.on("tap", "node", function (event) { if (!event.target.hasClass("region-group")) focus(event.target.id(), true); });
    cy.on("mouseover", "edge", function (event) { event.target.addClass("hovered"); });
    cy.on("mouseout", "edge", function (event) { event.target.removeClass("hovered"); });
    window.polegraphExplorer = { cy: cy, focus: focus, draw: draw };
    var node = readAddress();
    if (node && nodes[node]) focus(node, true); else draw();
    root.dataset.ready = "true";
  }

  fetch(root.dataset.graph, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(start);

  els.filters.addEventListener("change", function (event) {
    if (event.target === els.search) return;
    if (event.target === els.nodeSelect) { if (els.nodeSelect.value) focus(els.nodeSelect.value, true); return; }
    extra = {};
    focused = null;
    draw();
  });
  els.filters.addEventListener("submit", function (event) { event.preventDefault(); });
  els.search.addEventListener("change", function () {
    var id = byName[els.search.value.trim()];
    if (id) { focus(id, true); els.search.value = ""; }
  });
  els.search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var wanted = els.search.value.trim().toLowerCase();
    var name = Object.keys(byName).filter(function (n) { return n.toLowerCase().indexOf(wanted) >= 0; })[0];
    if (wanted && name) { focus(byName[name], true); els.search.value = ""; }
  });
  document.getElementById("reset").addEventListener("click", function () {
    extra = {};
    focused = null;
    els.valuechain.value = "";
    els.region.value = "";
    els.filters.querySelectorAll("input[name=group]").forEach(function (box) { box.checked = true; });
    document.getElementById("selected-none").hidden = false;
    document.getElementById("selected").hidden = true;
    delete root.dataset.selected;
    draw();
  });
  document.getElementById("selected-expand").addEventListener("click", function (event) {
    if (event.target.dataset.node) focus(event.target.dataset.node, true);
  });
})();
