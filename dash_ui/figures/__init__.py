"""Pure figure builders: data in, `go.Figure` out, no Dash, no I/O; tested without a browser."""
