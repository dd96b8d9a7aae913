// Turns the plain query form of /editor into YASGUI, pointed at this service's endpoint.
// Everything it loads is served from this host: no prefix.cc, no LOV, no CDN.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var configElement = document.getElementById("editor-config");
  if (!holder || !configElement || typeof window.Yasgui !== "function") return;
  var config = JSON.parse(configElement.textContent);
  var prefixLines = Object.keys(config.prefixes).map(function (p) {
    return "PREFIX " + p + ": <" + config.prefixes[p] + ">";
  });
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; }, keys: [] },
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { value: config.query, prefixCcApi: null, autocompleters: ["prefixes", "variables"] },
    yasr: { prefixes: config.prefixes }
  });
  function quiet(tab) {
    // Class and property completion ask a remote vocabulary service; keep the page offline.
    var yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe) return;
    ["class", "property"].forEach(function (name) {
      if (yasqe.autocompleters && yasqe.autocompleters[name]) yasqe.disableCompleter(name);
    });
  }
  document.documentElement.classList.add("js-editor");
  var first = yasgui.getTab();
  if (first) {
    if (first.setEndpoint) first.setEndpoint(config.endpoint);
    quiet(first);
  }
  (config.examples || []).forEach(function (example) {
    // Tabs not shown yet have no editor: give them their query and endpoint as configuration.
    try {
      yasgui.addTab(false, {
        name: example.name,
        yasqe: { value: example.query },
        requestConfig: { endpoint: config.endpoint, method: "POST" }
      });
    } catch (error) {
      if (window.console) window.console.warn("could not open saved query " + example.name, error);
    }
  });
  yasgui.on("tabChange", function (instance, id) { quiet(instance.getTab(id)); });
  window.onteamEditor = { yasgui: yasgui, prefixes: prefixLines };
})();
