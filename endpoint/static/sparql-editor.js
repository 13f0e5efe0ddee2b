// The query editor at /sparql: YASGUI (vendored, see yasgui/VENDORED.md) on this endpoint only,
// with our prefixes and the example queries. Nothing here fetches another host: the
// autocompleters that ask Linked Open Vocabularies are switched off.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("unpacs-config").textContent);
  var LOCAL_COMPLETERS = ["variables", "prefixes"];
  if (Yasgui.Yasqe && Yasgui.Yasqe.defaults) {
    Yasgui.Yasqe.defaults.autocompleters = LOCAL_COMPLETERS.slice();
  }
  var first = config.examples.length ? config.examples[0].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10";
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
