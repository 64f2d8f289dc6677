"""/healthz and /readyz: what a load balancer and an orchestrator ask of each process."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient
from typer.testing import CliRunner

from graphql_api.app import create_app
from retention.cli import app as cli
from retention.config import Settings
from retention.storage import migrate
from retention.storage.engine import make_engine
from tests.support import ScoredDatabase
from tests.tcp_proxy import cuttable_proxy


def _ready(client: TestClient) -> tuple[int, dict[str, object]]:
    response = client.get("/readyz")
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, response.json()


def test_a_scored_database_with_a_model_is_ready_without_a_key(scored_database: ScoredDatabase) -> None:
    with TestClient(create_app(scored_database.settings())) as client:
        status, body = _ready(client)
        alive = client.get("/healthz")

    assert status == 200, body
    assert body["status"] == "ready"
    assert body["checks"] == {
        "database": "ok",
        "schema": "ok",
        "model": f"ok: {scored_database.model_version}",
    }
    assert alive.status_code == 200 and alive.json() == {"status": "alive"}


def test_a_process_with_no_model_says_so_with_503(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()

    settings = Settings(database_url=database_url, model_dir=tmp_path / "models")
    with TestClient(create_app(settings)) as client:
        status, body = _ready(client)

    assert status == 503
    assert body["checks"]["database"] == "ok" and body["checks"]["schema"] == "ok"
    assert "no model is active" in str(body["checks"]["model"])


def test_a_schema_behind_the_code_is_named_with_the_command_that_fixes_it(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0007")
    engine.dispose()

    settings = Settings(database_url=database_url, model_dir=tmp_path / "models")
    with TestClient(create_app(settings)) as client:
        status, body = _ready(client)

    assert status == 503
    assert "at revision 0007" in str(body["checks"]["schema"])
    assert "retention db upgrade" in str(body["checks"]["schema"])


@pytest.mark.mysql
def test_readyz_turns_503_while_the_database_is_away_and_200_once_it_is_back(
    scored_database: ScoredDatabase,
) -> None:
    url = make_url(scored_database.url)
    if url.get_backend_name() == "sqlite":
        pytest.skip("an embedded file cannot go away; this is a server's outage")
    with cuttable_proxy((url.host or "127.0.0.1", url.port or 3306)) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        settings = scored_database.settings(database_url=through)
        with TestClient(create_app(settings)) as client:
            assert _ready(client)[0] == 200
            proxy.cut()
            started = time.monotonic()
            status, body = _ready(client)
            took = time.monotonic() - started
            alive = client.get("/healthz").status_code
            proxy.restore()
            back = _ready(client)

    assert status == 503
    assert body["checks"]["database"] == "unreachable"
    assert took < 5, f"an unreachable database must fail the probe fast, not hang ({took:.1f} s)"
    assert alive == 200, "liveness needs no database"
    assert back[0] == 200, back


def test_serve_refuses_a_schema_behind_the_code_and_says_what_to_run(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0007")
    engine.dispose()
    monkeypatch.setenv("RETENTION_DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_MODEL_DIR", str(tmp_path / "models"))

    result = CliRunner().invoke(cli, ["serve", "--port", "1"])

    assert result.exit_code == 1
    assert "refusing to serve" in result.stderr
    assert "revision 0007" in result.stderr and "retention db upgrade" in result.stderr
    assert "Traceback" not in result.output
