// The query editor: YASGUI with one tab per named query, talking only to this server's /sparql.
(function () {
  "use strict";
  var queries = JSON.parse(document.getElementById("named-queries-data").textContent);
  var prefixes = JSON.parse(document.getElementById("prefixes-data").textContent);
  var endpoint = window.location.origin + "/sparql";

  // Before YASGUI exists (docs/known-limitations.md): the LOV completers ("class", "property") call another host,
  // and passing autocompleters as an option does not remove them.
  // Prefix completion offers the project's prefixes (and declares one as soon as it is typed).
  var prefixList = Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; });
  Yasgui.Yasqe.forkAutocompleter("prefixes", {
    name: "polegraphPrefixes",
    get: function () { return Promise.resolve(prefixList); },
  }, false);
  Yasgui.Yasqe.defaults.autocompleters = ["polegraphPrefixes", "variables"];
  Yasgui.Yasqe.defaults.prefixCcApi = null;
  var prefixLines = Object.keys(prefixes).map(function (p) { return "PREFIX " + p + ": <" + prefixes[p] + ">"; });
  Yasgui.Yasqe.defaults.value = prefixLines.join("\n") + "\n\nSELECT * WHERE { ?s ?p ?o } LIMIT 10\n";
  Yasgui.Yasr.defaults.prefixes = prefixes;
  Yasgui.Yasr.defaults.pluginOrder = ["table", "response"];
  Yasgui.Yasr.defaults.defaultPlugin = "table";

  var wanted = null;
  var match = /^#tab=([A-Za-z0-9_.-]+)$/.exec(window.location.hash);
  if (match) {
    wanted = match[1];
    history.replaceState(null, "", window.location.pathname);  // not a YASGUI share link: keep it away from it
  }

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: null,
    autoAddOnInit: false,
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
  });
  var byName = {};
  queries.forEach(function (q, index) {
    byName[q.name] = q;
    yasgui.addTab(index === 0, {
      id: "q-" + q.name,
      name: q.title,
      yasqe: { value: q.query },
      requestConfig: { endpoint: endpoint, method: "POST" },
    });
  });

  function describe(tabId) {
    var q = byName[(tabId || "").replace(/^q-/, "")];
    document.getElementById("query-title").textContent = q ? q.title : "";
    document.getElementById("query-description").textContent = q ? q.description : "";
    var link = document.getElementById("query-link");
    var csv = document.getElementById("query-csv");
    link.hidden = csv.hidden = !q;
    if (q) {
      link.href = window.location.pathname + "#tab=" + q.name;
      csv.href = q.csv;
    }
  }
  yasgui.on("tabSelect", function (_y, tabId) { describe(tabId); });
  if (wanted && byName[wanted]) {
    yasgui.selectTabId("q-" + wanted);
  }
  var current = yasgui.getTab();
  describe(current ? current.getId() : "");
  window.polegraphYasgui = yasgui;

  // Links to a named query on this page select its tab rather than reloading.
  document.querySelectorAll("a[data-query]").forEach(function (a) {
    a.addEventListener("click", function (event) {
      event.preventDefault();
      yasgui.selectTabId("q-" + a.getAttribute("data-query"));
      document.getElementById("yasgui").scrollIntoView();
    });
  });
})();

// IRIs of polegraph things in the results open their page on this server, not the w3id.org redirect.
document.getElementById("yasgui").addEventListener("click", function (event) {
  var a = event.target.closest && event.target.closest("a[href^='https://w3id.org/polegraph/id/']");
  if (!a) return;
  event.preventDefault();
  window.location.href = "/page/" + a.getAttribute("href").slice("https://w3id.org/polegraph/id/".length);
});
