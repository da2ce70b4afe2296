// The graph explorer: Cytoscape.js over /explorer/graph.json; filters by class, value chain and region;
// a click (or choosing a node in the list) selects a node, shows its neighbours and links to its page.
(function () {
  "use strict";
  var root = document.querySelector(".explorer");
  var groupNames = JSON.parse(document.getElementById("group-names").textContent);
  var COLOURS = { pole: "#1f5fa8", programme: "#e08a00", funder: "#2a9d5b", organisation: "#8c4fb8", valuechain: "#c2334d" };
  var SHAPES = { pole: "ellipse", programme: "round-rectangle", funder: "diamond", organisation: "ellipse", valuechain: "hexagon" };
  var cy, extra = {};
  var els = {
    filters: document.getElementById("filters"),
    valuechain: document.getElementById("valuechain"),
    region: document.getElementById("region"),
    nodeSelect: document.getElementById("node-select"),
    count: document.getElementById("visible-count"),
  };

  function visibleNodes() { return cy.nodes().filter(function (n) { return !n.hasClass("hidden"); }); }
  function visibleElements() { return cy.elements().filter(function (e) { return !e.hasClass("hidden"); }); }

  function fitView() {  // fit what is shown, but never blow a handful of nodes up to poster size
    cy.fit(visibleElements(), 30);
    if (cy.zoom() > 1.3) { cy.zoom(1.3); cy.center(visibleElements()); }
  }

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function checkedGroups() {
    var groups = {};
    els.filters.querySelectorAll("input[name=group]").forEach(function (box) { if (box.checked) groups[box.value] = true; });
    return groups;
  }

  function closedNeighbourhood(ids) {
    var out = {};
    Object.keys(ids).forEach(function (id) {
      out[id] = true;
      cy.getElementById(id).neighborhood("node").forEach(function (n) { out[n.id()] = true; });
    });
    return out;
  }

  function apply(layout) {
    var groups = checkedGroups();
    var vc = els.valuechain.value, region = els.region.value;
    var allowed = null;
    if (vc) { var seed = {}; seed[vc] = true; allowed = closedNeighbourhood(seed); }
    if (region) {
      var inRegion = {};
      cy.nodes().forEach(function (n) { if (n.data("regions").indexOf(region) >= 0) inRegion[n.id()] = true; });
      var around = closedNeighbourhood(inRegion);
      if (allowed) { Object.keys(allowed).forEach(function (id) { if (!around[id]) delete allowed[id]; }); }
      else { allowed = around; }
    }
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        var show = (groups[n.data("group")] && (!allowed || allowed[n.id()])) || n.id() === vc || extra[n.id()];
        n.toggleClass("hidden", !show);
      });
      cy.edges().forEach(function (e) {
        e.toggleClass("hidden", e.source().hasClass("hidden") || e.target().hasClass("hidden"));
      });
    });
    var visible = cy.nodes().filter(function (n) { return !n.hasClass("hidden"); });
    els.count.textContent = String(visible.length);
    els.nodeSelect.length = 1;
    visible.sort(function (a, b) { return a.data("label").localeCompare(b.data("label")); })
      .forEach(function (n) { option(els.nodeSelect, n.id(), n.data("label")); });
    if (layout !== false) {
      visibleElements().layout({ name: "cose", animate: false, randomize: layout === "random",
        nodeDimensionsIncludeLabels: true, numIter: 600, nodeRepulsion: function () { return 60000; },
        idealEdgeLength: function () { return 70; } }).run();
      fitView();
    }
  }

  function select(id, expand) {
    var node = cy.getElementById(id);
    if (!node.length) return;
    cy.nodes().unselect();
    node.select();
    document.getElementById("selected-none").hidden = true;
    document.getElementById("selected").hidden = false;
    document.getElementById("selected-label").textContent = node.data("label");
    document.getElementById("selected-group").textContent = "(" + groupNames[node.data("group")] + ")";
    document.getElementById("selected-page").href = node.data("page");
    document.getElementById("selected-expand").dataset.node = id;
    root.dataset.selected = id;
    if (expand) {
      extra[id] = true;
      var before = visibleNodes().length;
      node.neighborhood("node").forEach(function (n) {
        if (n.hasClass("hidden")) { n.position({ x: node.position("x") + Math.random() * 40 - 20, y: node.position("y") + Math.random() * 40 - 20 }); }
        extra[n.id()] = true;
      });
      apply(false);
      if (visibleNodes().length !== before) {
        visibleElements().layout({ name: "cose", animate: false, randomize: false, numIter: 300,
          nodeDimensionsIncludeLabels: true, nodeRepulsion: function () { return 60000; } }).run();
        fitView();
      }
      els.nodeSelect.value = id;
    }
  }

  fetch(root.dataset.graph, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (graph) {
      graph.valueChains.forEach(function (v) { option(els.valuechain, v.id, v.label); });
      graph.regions.forEach(function (r) { option(els.region, r.id, r.label); });
      var elements = graph.nodes.map(function (n) { return { group: "nodes", data: n }; })
        .concat(graph.edges.map(function (e) { return { group: "edges", data: e }; }));
      cy = cytoscape({
        container: document.getElementById("cy"),
        elements: elements,
        style: [
          { selector: "node", style: {
            "background-color": function (n) { return COLOURS[n.data("group")] || "#666"; },
            shape: function (n) { return SHAPES[n.data("group")] || "ellipse"; },
            label: "data(label)", "font-size": 9, color: "#222", "text-valign": "bottom", "text-margin-y": 2,
            "text-max-width": 110, "text-wrap": "ellipsis", "min-zoomed-font-size": 7, width: 14, height: 14 } },
          { selector: "node[group = 'pole']", style: { width: 20, height: 20, "font-size": 11, "font-weight": "bold" } },
          { selector: "node:selected", style: { "border-width": 4, "border-color": "#111" } },
          { selector: "edge", style: { width: 1, "line-color": "#b9b9b9", "curve-style": "haystack" } },
          { selector: ".hidden", style: { display: "none" } },
        ],
        layout: { name: "preset" },
      });
      cy.on("tap", "node", function (event) { select(event.target.id(), true); });
      window.polegraphExplorer = { cy: cy, select: select, apply: apply };
      apply("random");
      root.dataset.ready = "true";
    });

  els.filters.addEventListener("change", function (event) {
    if (event.target === els.nodeSelect) { if (els.nodeSelect.value) select(els.nodeSelect.value, true); return; }
    extra = {};
    apply("random");
  });
  document.getElementById("reset").addEventListener("click", function () {
    extra = {};
    els.valuechain.value = "";
    els.region.value = "";
    els.filters.querySelectorAll("input[name=group]").forEach(function (box) { box.checked = true; });
    apply("random");
  });
  document.getElementById("selected-expand").addEventListener("click", function (event) {
    if (event.target.dataset.node) select(event.target.dataset.node, true);
  });
})();
