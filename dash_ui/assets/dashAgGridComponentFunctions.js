// Cell renderers for the customers grid; served by the app like every other asset.
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

// A customer's id as a link to its page; the (prefix-aware) href comes with the row from the server.
dagcomponentfuncs.CustomerLink = function (props) {
  if (!props.data || !props.data.href) {
    return props.value || null;
  }
  return React.createElement("a", { href: props.data.href, className: "font-monospace" }, props.value);
};
