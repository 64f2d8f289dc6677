"""Dashboard users: hashed passwords, one answer for every wrong sign-in, slowed after repeated failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from retention.access import Role, Unauthenticated
from retention.errors import InvalidInput, NotFound
from retention.services import users
from retention.storage.customers import now_utc
from retention.storage.tables import users as users_table

PASSWORD = "correct horse battery"


def test_a_user_signs_in_with_its_password_which_is_stored_only_as_an_argon2id_hash(engine: Engine) -> None:
    created = users.create_user(engine=engine, username="Ada.Analyst", password=PASSWORD, role=Role.EDITOR)

    signed_in = users.authenticate(engine=engine, username="ada.analyst", password=PASSWORD)

    assert (
        created.username == "ada.analyst"
        and signed_in.role is Role.EDITOR
        and Role.EDITOR.scope.value == "write"
    )
    with engine.connect() as connection:
        stored = connection.execute(select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.list_users(engine=engine)[0].last_sign_in_at is not None


@pytest.mark.parametrize(
    ("username", "password"), [("ada", "wrong password!!"), ("nobody", PASSWORD), ("x", PASSWORD)]
)
def test_every_wrong_sign_in_gets_the_same_answer(engine: Engine, username: str, password: str) -> None:
    users.create_user(engine=engine, username="ada", password=PASSWORD, role=Role.VIEWER)

    with pytest.raises(Unauthenticated) as refused:
        users.authenticate(engine=engine, username=username, password=password)
    assert refused.value.message == users.WRONG


def test_repeated_failures_make_the_next_attempt_wait_without_checking_the_password(engine: Engine) -> None:
    users.create_user(engine=engine, username="ada", password=PASSWORD, role=Role.VIEWER)
    now = now_utc()
    for _ in range(users.FREE_FAILURES):
        with pytest.raises(Unauthenticated):
            users.authenticate(engine=engine, username="ada", password="not the password", now=now)

    with pytest.raises(users.SignInThrottled) as throttled:
        users.authenticate(engine=engine, username="ada", password=PASSWORD, now=now)

    assert throttled.value.code == "RATE_LIMITED" and throttled.value.retry_after == 1
    later = now + timedelta(seconds=2)
    assert users.authenticate(engine=engine, username="ada", password=PASSWORD, now=later).username == "ada"
    # a success forgets the failures
    with pytest.raises(Unauthenticated):
        users.authenticate(engine=engine, username="ada", password="not the password", now=later)


def test_a_disabled_user_cannot_sign_in(engine: Engine) -> None:
    users.create_user(engine=engine, username="ada", password=PASSWORD, role=Role.ADMIN)

    users.disable_user(engine=engine, username="ada")

    with pytest.raises(Unauthenticated):
        users.authenticate(engine=engine, username="ada", password=PASSWORD)
    with pytest.raises(NotFound):
        users.disable_user(engine=engine, username="ada")


@pytest.mark.parametrize(
    ("username", "password", "named"),
    [
        ("ab", PASSWORD, "username"),
        ("a b c", PASSWORD, "username"),
        ("ada", "short", "password"),
        ("ada", " " * 20, "password"),
    ],
)
def test_a_bad_username_or_password_is_refused_naming_it(
    engine: Engine, username: str, password: str, named: str
) -> None:
    with pytest.raises(InvalidInput, match=named):
        users.create_user(engine=engine, username=username, password=password, role=Role.VIEWER)


def test_a_taken_username_is_refused(engine: Engine) -> None:
    users.create_user(engine=engine, username="ada", password=PASSWORD, role=Role.VIEWER)

    with pytest.raises(InvalidInput, match="taken"):
        users.create_user(engine=engine, username="ADA", password=PASSWORD, role=Role.ADMIN)


def test_the_demo_user_gets_a_fresh_working_password_at_every_start(engine: Engine) -> None:
    first = users.reissue_user(engine=engine, username="demo", role=Role.ADMIN)
    users.disable_user(engine=engine, username="demo")

    second = users.reissue_user(engine=engine, username="demo", role=Role.ADMIN)

    assert first != second and len(second) >= users.MIN_PASSWORD
    assert users.authenticate(engine=engine, username="demo", password=second).role is Role.ADMIN
    with pytest.raises(Unauthenticated):
        users.authenticate(engine=engine, username="demo", password=first)
