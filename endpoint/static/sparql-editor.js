// The query editor at /sparql: YASGUI (vendored, see yasgui/VENDORED.md) on this endpoint only,
// with our prefixes and the example queries. Nothing here fetches another host: the
// autocompleters that ask Linked Open Vocabularies are switched off.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("unpacs-config").textContent);

  // Results link only what the HTML pages link (view_models.href_allowed; the schemes come
  // from there in the config): http(s) URLs, this site's paths and in-page anchors. Any other
  // href that YASGUI or one of its plugins writes (a stored javascript:, data:, vbscript: IRI)
  // loses its href before the browser paints it, so it stays as text.
  var SCHEMES = config.link_schemes;
  function hrefAllowed(href) {
    if (!href || /[\u0000-\u0020\u007f-\u009f\\<>"`\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(href)) {
      return false;
    }
    if (href.charAt(0) === "#") { return true; }
    if (href.charAt(0) === "/") { return href.charAt(1) !== "/"; }
    var match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/./.exec(href);
    return match !== null && SCHEMES.indexOf(match[1].toLowerCase()) >= 0;
  }
  function disarm(root) {
    if (root.nodeType !== 1) { return; }
    var links = root.matches("a[href]") ? [root] : [];
    root.querySelectorAll("a[href]").forEach(function (a) { links.push(a); });
    links.forEach(function (a) {
      if (!hrefAllowed(a.getAttribute("href"))) { a.removeAttribute("href"); }
    });
  }
  var container = document.getElementById("yasgui");
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "attributes") { disarm(record.target); }
      record.addedNodes.forEach(disarm);
    });
  }).observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ["href"] });
  var LOCAL_COMPLETERS = ["variables", "prefixes"];
  if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
    Yasgui.Yasqe.defaults.autocompleters = LOCAL_COMPLETERS.slice();
  }
  // A new tab starts with a small query; addPrefixes() below puts our prefixes above it.
  var first = [
    "SELECT ?country ?name WHERE {",
    "  ?country a schema:Country ; skos:prefLabel ?name .",
    '  FILTER(LANG(?name) = "en")',
    "}",
    "ORDER BY ?name",
    "LIMIT 20",
  ].join("\n");
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: config.endpoint }]; },
      keys: [],
    },
    yasqe: { value: first, autocompleters: LOCAL_COMPLETERS.slice() },
  });

  function prepare(tab) {
    var yasqe = tab.getYasqe();
    ["property", "class"].forEach(function (name) {
      if (yasqe.autocompleters && yasqe.autocompleters[name]) { yasqe.disableCompleter(name); }
    });
    yasqe.addPrefixes(config.prefixes);
  }
  prepare(yasgui.getTab());
  yasgui.on("tabAdd", function (_yasgui, tabId) {
    var tab = yasgui.getTab(tabId);
    if (tab) { prepare(tab); }
  });

  var byName = {};
  config.examples.forEach(function (example) { byName[example.name] = example; });
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var example = byName[button.getAttribute("data-example")];
      if (!example) { return; }
      var tab = yasgui.getTab();
      tab.setQuery(example.query);
      tab.query();
    });
  });
})();
