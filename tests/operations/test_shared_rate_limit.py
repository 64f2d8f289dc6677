"""The rate limit is counted in the database: every process on it applies one allowance per caller."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from retention.services.rate_limits import SharedRateLimiter
from retention.storage.engine import make_engine
from retention.storage.tables import rate_limit_windows

START = 1_800_000_000.0 - (1_800_000_000.0 % 60)  # the start of a minute


def _limiter(engine: Engine, now: list[float], per_minute: int = 60) -> SharedRateLimiter:
    return SharedRateLimiter(engine, per_minute, clock=lambda: now[0])


def test_a_caller_gets_its_allowance_then_a_wait_and_others_are_unaffected(engine: Engine) -> None:
    now = [START + 10]
    limiter = _limiter(engine, now)

    allowed = [limiter.acquire("key:crm") for _ in range(60)]
    refused = limiter.acquire("key:crm")
    other = limiter.acquire("key:pipeline")

    assert allowed == [None] * 60 and other is None
    assert refused is not None and 50 < refused <= 61, "room comes back only once this minute fades"


def test_the_previous_minute_fades_as_the_window_slides(engine: Engine) -> None:
    now = [START + 59]
    limiter = _limiter(engine, now)
    assert all(limiter.acquire("key:crm") is None for _ in range(60))

    now[0] = START + 60 + 30  # half of the busy minute is still in the last 60 s: about 30 requests fit
    fitted = 0
    while limiter.acquire("key:crm") is None:
        fitted += 1

    assert 29 <= fitted <= 31


def test_refused_requests_do_not_use_up_the_allowance(engine: Engine) -> None:
    now = [START]
    limiter = _limiter(engine, now, per_minute=5)
    for _ in range(5):
        limiter.acquire("key:crm")
    for _ in range(20):
        assert limiter.acquire("key:crm") is not None

    with engine.connect() as connection:
        used = connection.execute(select(func.sum(rate_limit_windows.c.used))).scalar_one()
    assert used == 5


def test_two_processes_on_one_database_share_one_allowance(engine: Engine, database_url: str) -> None:
    other_engine = make_engine(database_url)  # what another worker or host holds: its own pool
    try:
        now = [START + 5]
        here, there = _limiter(engine, now, per_minute=10), _limiter(other_engine, now, per_minute=10)
        answers = [(here if i % 2 else there).acquire("key:crm") for i in range(20)]
    finally:
        other_engine.dispose()

    assert answers.count(None) == 10
    assert all(wait is not None for wait in answers[10:])


def test_old_minutes_are_forgotten(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [START]
    limiter = _limiter(engine, now)
    limiter.acquire("key:crm")
    monkeypatch.setattr("retention.services.rate_limits.FORGET_EVERY_SECONDS", 0.0)
    now[0] = START + 600
    limiter.acquire("key:crm")

    with engine.connect() as connection:
        minutes = connection.execute(select(rate_limit_windows.c.window_start)).scalars().all()
    assert minutes == [int(now[0] // 60)]


def test_processes_counting_in_blocks_allow_the_limit_less_at_most_a_block_each(
    engine: Engine, database_url: str
) -> None:
    other_engine = make_engine(database_url)
    try:
        now = [START + 5]
        here = _limiter(engine, now, per_minute=600)
        there = _limiter(other_engine, now, per_minute=600)
        assert here._block == 3, "1/200 of the limit"
        answers = [(here if i % 3 else there).acquire("key:crm") for i in range(1000)]
        with engine.connect() as connection:
            counted = connection.execute(select(func.sum(rate_limit_windows.c.used))).scalar_one()
    finally:
        other_engine.dispose()

    allowed = answers.count(None)
    assert 600 - 2 * 3 <= allowed <= 600
    assert allowed <= counted <= 600, (
        "what was counted covers every allowed request and no more than the limit"
    )
    assert all(wait is not None for wait in answers[allowed + 2 * 3 :])


@pytest.mark.parametrize("into", [0.0, 0.5, 30.0, 59.5])
def test_the_wait_told_is_when_the_next_request_fits(engine: Engine, into: float) -> None:
    now = [START + into]
    limiter = _limiter(engine, now, per_minute=2)
    assert limiter.acquire("key:crm") is None and limiter.acquire("key:crm") is None

    wait = limiter.acquire("key:crm")

    assert wait is not None
    now[0] += wait - 0.5
    assert limiter.acquire("key:crm") is not None, "refused just before the wait is up"
    now[0] += 0.5 + 0.001
    assert limiter.acquire("key:crm") is None, "allowed once it is"
