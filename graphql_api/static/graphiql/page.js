/* Mounts the vendored GraphiQL (React 18 + graphiql UMD globals) against this app's /graphql endpoint. */
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

  var fetcher = GraphiQL.createFetcher({
    // An absolute URL on this origin; never another host.
    url: new URL(endpoint, window.location.href).toString(),
  });

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      visiblePlugin: "Documentation Explorer",
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    })
  );
})();
