/* Mounts the vendored GraphiQL (React 18 + graphiql UMD globals) and its explorer plugin against this
   app's /graphql endpoint. Queries need an API key in the Headers tab: {"Authorization": "Bearer rtn_..."};
   the server fills it in only for `retention demo` opened from this machine (data-demo-key). */
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# Retention API. Run: Ctrl+Enter or \u25B6",
    "# Add fields: Ctrl+Space autocompletes",
    "# Browse every type: Docs (book icon)",
    "{",
    "  overview {",
    "    customerCount",
    "    highRiskCount",
    "  }",
    "}",
    "",
  ].join("\n");

  var container = document.getElementById("graphiql");
  var endpoint = container.getAttribute("data-endpoint") || "/graphql";

  var demoKey = container.getAttribute("data-demo-key");
  var headers = JSON.stringify(
    { Authorization: "Bearer " + (demoKey || "<your key: retention apikey create --name me --scope read>") },
    null,
    2
  );

  var fetcher = GraphiQL.createFetcher({
    // An absolute URL on this origin; never another host.
    url: new URL(endpoint, window.location.href).toString(),
  });

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultHeaders: headers,
      defaultQuery: DEFAULT_QUERY,
      visiblePlugin: "Documentation Explorer",
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    })
  );
})();
