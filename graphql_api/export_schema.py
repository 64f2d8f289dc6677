"""Write the schema's SDL to graphql_api/schema.graphql, the file integrators read (and a test keeps current).

Run `scripts/export_schema` (or `python -m graphql_api.export_schema`) after changing the schema;
`--check` exits 1 instead of writing when the file is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphql_api.schema import build_schema

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
REGENERATE_COMMAND = "scripts/export_schema (or: PYTHONPATH=. python -m graphql_api.export_schema)"


def live_sdl() -> str:
    """The SDL of the schema this code serves, ending in one newline."""
    return build_schema().as_str().rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the SDL file, or with --check only compare it; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale; write nothing")
    parser.add_argument("--output", type=Path, default=SCHEMA_FILE, help="where to write the SDL")
    args = parser.parse_args(argv)
    sdl = live_sdl()
    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    if args.check:
        if current != sdl:
            sys.stderr.write(f"{args.output} is stale; regenerate it with {REGENERATE_COMMAND}\n")
            return 1
        return 0
    if current != sdl:
        args.output.write_text(sdl, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
