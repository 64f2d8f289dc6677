"""The API load bench's database and key, made with the CLI exactly as a user makes them."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from bench.process import RETENTION_CLI

CLI = [RETENTION_CLI]
BUNDLED_SEEDS = 5000


def cli_env(database_url: str, model_dir: Path, **settings: str) -> dict[str, str]:
    """The environment every command and server of one bench run shares."""
    extra = {f"RETENTION_{name.upper()}": value for name, value in settings.items()}
    return {
        **os.environ,
        "RETENTION_DATABASE_URL": database_url,
        "RETENTION_MODEL_DIR": str(model_dir),
        **extra,
    }


def run_cli(env: dict[str, str], *args: str) -> str:
    """One `retention …` command; its stdout; exits with its stderr when it fails."""
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"retention {' '.join(args)} failed:\n{done.stderr.strip()}")
    return done.stdout


SEED_ID_FORMAT = "CUST%07d"
LAW_ID_FORMAT = "acct-%08d"


def prepare(env: dict[str, str], customers: int, trees: int, *, law: str | None = None) -> str:
    """Schema, customers (a law of bench/laws.py, the bundled seeds, or N generated), a trained active
    model, every score; the printf format of the customer ids it stored."""
    run_cli(env, "db", "upgrade")
    if law is not None:
        from bench.laws import write_law

        with tempfile.TemporaryDirectory(prefix="api-load-law-") as folder:
            path = Path(folder) / f"{law}.csv"
            write_law(law, customers, path)
            run_cli(env, "seed", "--csv", str(path), "--no-score")
    elif customers == BUNDLED_SEEDS:
        run_cli(env, "seed", "--no-score")
    else:
        run_cli(env, "seed", "--generate", str(customers), "--no-score")
    run_cli(env, "train", "--trees", str(trees))
    run_cli(env, "score")
    return LAW_ID_FORMAT if law is not None else SEED_ID_FORMAT


def create_key(env: dict[str, str], name: str) -> str:
    """A fresh admin key (every query allowed); the CLI prints it alone on its last line."""
    return run_cli(env, "apikey", "create", "--name", name, "--scope", "admin").strip().splitlines()[-1]
