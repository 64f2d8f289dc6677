"""The published SDL is the live schema, and every part of the schema says what it is for."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from graphql import introspection_from_schema, specified_directives, specified_scalar_types

from graphql_api.export_schema import REGENERATE_COMMAND, SCHEMA_FILE, live_sdl, main
from graphql_api.schema import build_schema

BUILT_IN_TYPES = set(specified_scalar_types)
BUILT_IN_DIRECTIVES = {directive.name for directive in specified_directives}


def test_the_exported_sdl_file_is_the_live_schema() -> None:
    # given the schema this code serves, and the file integrators read
    live = live_sdl()
    exported = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.is_file() else ""

    # then they are the same, or the failure says how to make them so
    if exported != live:
        diff = "".join(
            list(difflib.unified_diff(exported.splitlines(True), live.splitlines(True), "file", "live"))[:60]
        )
        raise AssertionError(f"{SCHEMA_FILE} is stale: regenerate it with {REGENERATE_COMMAND}\n{diff}")


def test_the_export_command_writes_the_sdl_and_check_spots_a_stale_file(tmp_path: Path) -> None:
    # given a stale file
    target = tmp_path / "schema.graphql"
    target.write_text("type Query { stale: Int }\n", encoding="utf-8")

    # when checked, then written, then checked again
    stale_status = main(["--check", "--output", str(target)])
    untouched = target.read_text(encoding="utf-8")
    write_status = main(["--output", str(target)])
    fresh_status = main(["--check", "--output", str(target)])

    # then --check refused the stale file without writing, and the written one passes
    assert (stale_status, write_status, fresh_status) == (1, 0, 0)
    assert untouched == "type Query { stale: Int }\n"
    assert target.read_text(encoding="utf-8") == live_sdl()


def _undescribed(introspection: dict[str, Any]) -> list[str]:
    """Every named part of the schema whose description is missing or blank, as Type.field(arg) paths."""
    missing: list[str] = []

    def check(path: str, item: dict[str, Any]) -> None:
        if not (item.get("description") or "").strip():
            missing.append(path)

    for kind in introspection["__schema"]["types"]:
        name = kind["name"]
        if name.startswith("__") or name in BUILT_IN_TYPES:
            continue
        check(name, kind)
        for field in kind.get("fields") or []:
            check(f"{name}.{field['name']}", field)
            for argument in field["args"]:
                check(f"{name}.{field['name']}({argument['name']})", argument)
        for input_field in kind.get("inputFields") or []:
            check(f"{name}.{input_field['name']}", input_field)
        for value in kind.get("enumValues") or []:
            check(f"{name}.{value['name']}", value)
    for directive in introspection["__schema"]["directives"]:
        if directive["name"] in BUILT_IN_DIRECTIVES:
            continue
        check(f"@{directive['name']}", directive)
        for argument in directive["args"]:
            check(f"@{directive['name']}({argument['name']})", argument)
    return missing


def test_every_type_field_argument_enum_value_and_input_field_has_a_description() -> None:
    # given the schema as a client introspects it (deprecated parts included: GraphiQL still shows them)
    schema = build_schema()
    introspection = introspection_from_schema(schema._schema, input_value_deprecation=True)

    # then nothing a client can see lacks a description
    assert _undescribed(introspection) == []


def test_the_description_check_notices_a_missing_one() -> None:
    # given an introspection result with one undescribed argument and one blank enum value
    introspection = {
        "__schema": {
            "types": [
                {
                    "name": "Thing",
                    "description": "A thing.",
                    "fields": [
                        {"name": "size", "description": "How big.", "args": [{"name": "unit"}]},
                    ],
                },
                {
                    "name": "Shade",
                    "description": "A shade.",
                    "enumValues": [{"name": "DARK", "description": " "}],
                },
                {"name": "String", "description": None},
                {"name": "__Type", "description": None},
            ],
            "directives": [],
        }
    }

    # then both are reported, and built-in and introspection types are exempt
    assert _undescribed(introspection) == ["Thing.size(unit)", "Shade.DARK"]
