// The query editor: YASGUI talking only to this server's /sparql. The reader's tabs and edits are kept in
// local storage (the same key whatever the language); the named queries come from an examples picker;
// `?query=` and `#query=` links open their query in a tab of their own and run it; a cut answer and a
// SPARQL error are said on screen in the page's language.
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var queries = data("named-queries-data");
  var prefixes = data("prefixes-data");
  var words = data("editor-words");
  var terms = data("ontology-terms");
  var shared = data("shared-query");
  var endpoint = window.location.origin + "/sparql";
  var Yasqe = Yasgui.Yasqe, Yasr = Yasgui.Yasr;

  // Before YASGUI exists (docs/known-limitations.md): the LOV completers ("class", "property") call another
  // host, and passing autocompleters as an option does not remove them. They are replaced by completers of
  // the ontology's own classes and properties; prefixes complete to the project's (declared when typed).
  var prefixList = Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; });
  Yasqe.forkAutocompleter("prefixes", { name: "polegraphPrefixes",
    get: function () { return Promise.resolve(prefixList); } }, false);
  Yasqe.forkAutocompleter("class", { name: "polegraphClasses", persistenceId: null,
    get: function () { return Promise.resolve(terms.classes); } }, false);
  Yasqe.forkAutocompleter("property", { name: "polegraphProperties", persistenceId: null,
    get: function () { return Promise.resolve(terms.properties); } }, false);
  Yasqe.defaults.autocompleters = ["polegraphPrefixes", "polegraphClasses", "polegraphProperties", "variables"];
  Yasqe.defaults.prefixCcApi = null;
  // CodeMirror's contenteditable input (its choice for screen readers) puts the editable text inside the
  // scrolling area, which a keyboard can then reach (axe: scrollable-region-focusable); it is labelled.
  Yasqe.defaults.inputStyle = "contenteditable";
  Yasqe.defaults.screenReaderLabel = words.tab;
  var prefixLines = Object.keys(prefixes).map(function (p) { return "PREFIX " + p + ": <" + prefixes[p] + ">"; });
  Yasqe.defaults.value = prefixLines.join("\n") + "\n\nSELECT * WHERE { ?s ?p ?o } LIMIT 10\n";
  Yasr.defaults.prefixes = prefixes;
  Yasr.defaults.pluginOrder = ["table", "response"];
  Yasr.defaults.defaultPlugin = "table";
  Yasr.plugins.table.defaults.tableConfig.language = {
    search: words.search, info: words.info, infoEmpty: words.info_empty, emptyTable: words.empty,
    zeroRecords: words.zero, lengthMenu: words.length,
    paginate: { first: words.first, last: words.last, next: words.next, previous: words.previous } };
  Yasgui.defaults.tabName = words.tab;

  // A shared link's query: `#query=…` (YASGUI's share links) or `#tab=NAME` (a named query), read then
  // taken out of the address, so that YASGUI does not read it too and a reload does not add it twice.
  var hash = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var wanted = null;
  if (hash.get("query")) { wanted = { text: hash.get("query"), name: hash.get("tabTitle") || words.shared }; }
  else if (hash.get("tab")) { wanted = { named: hash.get("tab") }; }
  else if (shared) { wanted = { text: shared, name: words.shared }; }
  if (window.location.hash) { history.replaceState(null, "", window.location.pathname + window.location.search); }

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: "polegraph-editor",  // one store for every language: a language switch keeps the tabs
    autoAddOnInit: false,
    populateFromUrl: false,  // `?query=` is opened below, once, in a tab whose answers are listened to
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
  });
  var byName = {};
  queries.forEach(function (q) { byName[q.name] = q; });

  function tabs() { return yasgui.persistentConfig.getTabs().map(function (id) { return yasgui.getTab(id); }); }
  function normalised(text) { return (text || "").replace(/\s+/g, " ").trim(); }
  // A tab restored from local storage has no editor until it is shown (its getQuery() throws): its query
  // is then the one kept in its stored configuration.
  function queryOf(tab) { return tab.getYasqe() ? tab.getQuery() : tab.getPersistedJson().yasqe.value; }

  function openTab(id, name, text, run) {
    var tab = yasgui.getTab(id);
    if (!tab) {
      tab = tabs().filter(function (t) { return t && normalised(queryOf(t)) === normalised(text); })[0];
    }
    if (!tab) {
      tab = yasgui.addTab(true, { id: id, name: name, yasqe: { value: text },
        requestConfig: { endpoint: endpoint, method: "POST" } });
    }
    yasgui.selectTabId(tab.getId());
    if (run) {
      var yasqe = tab.getYasqe();
      if (normalised(yasqe.getValue()) !== normalised(text)) yasqe.setValue(text);
      yasqe.query().catch(function () {});  // an error is said in the notice (below)
    }
    return tab;
  }

  function openNamed(name, run) {
    var q = byName[name];
    if (q) openTab("q-" + q.name, q.title, q.query, run);
  }

  // --- what the current tab is, and what its last answer said -----------------------------------------
  var notices = {};
  function showNotice(tabId) {
    var box = document.getElementById("editor-notice");
    var text = notices[tabId];
    box.hidden = !text;
    box.textContent = text || "";
    box.classList.toggle("error", !!text && text.indexOf(words.error) === 0);
  }

  function describe(tabId) {
    var q = byName[(tabId || "").replace(/^q-/, "")];
    document.getElementById("query-title").textContent = q ? q.title : "";
    document.getElementById("query-title").hidden = !q;  // no empty heading
    document.getElementById("query-description").textContent = q ? q.description : "";
    document.getElementById("query-links").hidden = !q;
    if (q) {
      document.getElementById("query-page").href = q.page;
      document.getElementById("query-link").href = window.location.pathname + "#tab=" + q.name;
      document.getElementById("query-csv").href = q.csv;
    }
    showNotice(tabId);
  }
  // After YASGUI has changed the current tab: a selected one, and a new one (which YASGUI makes current
  // without a tabSelect event).
  function follow() {
    setTimeout(function () { var tab = yasgui.getTab(); describe(tab && tab.getId()); markError(tab && tab.getId()); }, 0);
  }
  yasgui.on("tabSelect", follow);
  yasgui.on("tabAdd", follow);

  var errorLines = {};
  function markError(tabId) {
    var tab = yasgui.getTab(tabId);
    if (!tab || !tab.getYasqe()) return;
    var yasqe = tab.getYasqe();
    for (var i = 0; i < yasqe.lineCount(); i++) yasqe.removeLineClass(i, "background", "sparql-error-line");
    if (errorLines[tabId] !== undefined) yasqe.addLineClass(errorLines[tabId], "background", "sparql-error-line");
  }

  // What each tab's last answer said. YASGUI's `query` event names the tab whose editor asks (a restored
  // tab, a new one, one opened from a link alike); that editor's `queryResponse` then carries the answer
  // (the endpoint's headers: a cut answer) or the error (the endpoint's JSON shape: message, line, column).
  var listened = new WeakSet();
  yasgui.on("query", function (_yasgui, tab) {
    var tabId = tab.getId(), yasqe = tab.getYasqe();
    delete notices[tabId];
    delete errorLines[tabId];
    refresh(tabId);
    if (listened.has(yasqe)) return;
    listened.add(yasqe);
    yasqe.on("queryResponse", function (_yasqe, answer) { heard(tab.getId(), answer); });
  });

  function heard(tabId, answer) {
    if (answer instanceof Error) {
      var error = {};
      try { error = JSON.parse(answer.message); } catch (e) { error = { message: answer.message }; }
      var detail = (error.message || "").replace(/^SPARQL syntax error( at line \d+, column \d+)?:\s*/, "");
      if (error.line) {
        errorLines[tabId] = error.line - 1;
        notices[tabId] = words.error + " " + words.error_at.replace("{line}", error.line)
          .replace("{column}", error.column || 1) + " " + detail;
      } else {
        notices[tabId] = words.error + " " + detail;
      }
    } else if (answer && answer.headers && answer.headers.get("Polegraph-Results-Truncated") === "true") {
      notices[tabId] = words.truncated.replace(/\{n\}/g, answer.headers.get("Polegraph-Max-Rows"));
    }
    refresh(tabId);
  }

  function refresh(tabId) {
    var current = yasgui.getTab();
    if (current && current.getId() === tabId) { showNotice(tabId); markError(tabId); }
  }

  // --- YASGUI's own controls in the page's language ------------------------------------------------------
  var English = { "Table": words.table, "Response": words.response, "Run query": words.run,
    "Share query": words.share, "Add tab": words.add_tab, "Add a new tab": words.add_tab, "Close tab": words.close_tab,
    "Download result": words.download, "Filter query results": words.filter, "Show all": words.show_all,
    "Page size:": words.page_size, "Simple view": words.simple_view, "Ellipse": words.ellipsis };
  function speak(root) {
    root.querySelectorAll("[title], [placeholder], [aria-label]").forEach(function (el) {
      ["title", "placeholder", "aria-label"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && English[value] && English[value] !== value) el.setAttribute(attr, English[value]);
      });
    });
    root.querySelectorAll(".yasr_btn span, .yasr_btn, button, .tableControls .label, .pageSizerLabel").forEach(function (el) {
      var text = el.textContent.trim();  // only when it changes: a change is itself a mutation observed
      if (el.children.length === 0 && English[text] && English[text] !== text) el.textContent = English[text];
    });
    // A button's accessible name must contain the text it shows (WCAG 2.5.3; axe: label-content-name-mismatch):
    // YASR's view buttons and DataTables' paging buttons carry English labels beside translated text.
    root.querySelectorAll("button[aria-label]").forEach(function (el) {
      var shown = el.textContent.trim();
      if (shown && el.getAttribute("aria-label").toLowerCase().indexOf(shown.toLowerCase()) < 0) el.setAttribute("aria-label", shown);
    });
    root.querySelectorAll(".yasqe_queryButton:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", words.run); });
    root.querySelectorAll(".yasqe_share:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", words.share); });
    root.querySelectorAll("select.tableSizer:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", words.page_size); });
    root.querySelectorAll("input.autocomplete:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", "SPARQL endpoint"); });
  }
  // YASGUI's tab strip is a tablist that also holds its "new tab" button, which a tablist may not contain
  // (ARIA; axe: aria-required-children). Moving the button would break YASGUI (it inserts new tabs before
  // the button's wrapper, and its arrow keys walk the strip's children), so the strip keeps its layout and
  // keys but loses the role, and an element of ours is the tablist, owning (aria-owns) the tabs only.
  var tablist = document.createElement("div");
  tablist.setAttribute("role", "tablist");
  tablist.setAttribute("aria-label", words.tabs);
  function ownTabs(root) {
    var strip = root.querySelector(".tabsList");
    if (!strip) return;
    if (strip.getAttribute("role") === "tablist") strip.removeAttribute("role");
    if (tablist.nextElementSibling !== strip) strip.parentNode.insertBefore(tablist, strip);
    var owned = Array.prototype.map.call(strip.querySelectorAll("[role=tab][id]"), function (a) { return a.id; }).join(" ");
    if (tablist.getAttribute("aria-owns") !== owned) tablist.setAttribute("aria-owns", owned);
  }
  var root = document.getElementById("yasgui");
  new MutationObserver(function () { speak(root); ownTabs(root); }).observe(root, { childList: true, subtree: true });
  speak(root);
  ownTabs(root);

  // --- the first tabs -------------------------------------------------------------------------------------
  if (!tabs().length && !wanted) openNamed("poles-and-presidents", false);
  if (wanted && wanted.named) openNamed(wanted.named, false);
  else if (wanted) openTab("shared-" + Date.now().toString(36), wanted.name, wanted.text, true);
  if (!yasgui.getTab()) yasgui.addTab(true);
  var current = yasgui.getTab();
  describe(current ? current.getId() : "");
  window.polegraphYasgui = yasgui;

  // --- the examples picker --------------------------------------------------------------------------------
  var dialog = document.getElementById("examples");
  var search = document.getElementById("examples-search");
  var topic = "";
  function fold(text) { return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function filter() {
    var needles = fold(search.value).split(/\s+/).filter(Boolean);
    dialog.querySelectorAll("#example-list li").forEach(function (li) {
      var text = fold(li.textContent + " " + li.dataset.name);
      li.hidden = (topic && li.dataset.topic !== topic) || !needles.every(function (n) { return text.indexOf(n) >= 0; });
    });
  }
  document.getElementById("examples-open").addEventListener("click", function () {
    dialog.showModal();
    search.focus();
  });
  search.addEventListener("input", filter);
  dialog.querySelectorAll("button.topic").forEach(function (button) {
    button.addEventListener("click", function () {
      topic = button.dataset.topic;
      dialog.querySelectorAll("button.topic").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      filter();
    });
  });
  dialog.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      dialog.close();
      openNamed(button.dataset.query, false);
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
