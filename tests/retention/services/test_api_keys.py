"""API keys in the core: made random, kept only as a digest, refused once revoked, on SQLite and MySQL."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from retention.access import InvalidScope, PrincipalKind, Scope, Unauthenticated
from retention.errors import InvalidInput, NotFound
from retention.services import api_keys
from retention.storage.customers import naive_utc, now_utc
from retention.storage.tables import api_keys as api_keys_table


def test_a_created_key_authenticates_as_its_name_and_scope(engine: Engine) -> None:
    created = api_keys.create_key(engine=engine, name="crm-sync", scope=Scope.WRITE)

    principal = api_keys.authenticate(engine=engine, secret=created.secret)

    assert created.secret.startswith("rtn_") and len(created.secret) > 40
    assert (principal.name, principal.scope, principal.kind) == (
        "crm-sync",
        Scope.WRITE,
        PrincipalKind.API_KEY,
    )


def test_only_the_sha256_of_a_key_is_stored(engine: Engine) -> None:
    created = api_keys.create_key(engine=engine, name="reader", scope=Scope.READ)

    with engine.connect() as connection:
        row = connection.execute(select(api_keys_table)).one()

    assert created.secret not in [str(value) for value in row]
    assert row.key_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret.startswith(row.prefix) and len(row.prefix) < 16


def test_two_keys_never_repeat(engine: Engine) -> None:
    first = api_keys.create_key(engine=engine, name="one", scope=Scope.READ)
    second = api_keys.create_key(engine=engine, name="two", scope=Scope.READ)
    assert first.secret != second.secret


def test_a_revoked_key_no_longer_authenticates(engine: Engine) -> None:
    created = api_keys.create_key(engine=engine, name="leaked", scope=Scope.ADMIN)

    revoked = api_keys.revoke_key(engine=engine, name="leaked")

    assert revoked.revoked_at is not None
    with pytest.raises(Unauthenticated):
        api_keys.authenticate(engine=engine, secret=created.secret)


@pytest.mark.parametrize(
    "secret", ["rtn_" + "x" * 43, "not-a-key", "rtn_" + "é" * 10, "rtn_" + "a" * 500, ""]
)
def test_an_unknown_or_malformed_key_is_unauthenticated(engine: Engine, secret: str) -> None:
    with pytest.raises(Unauthenticated):
        api_keys.authenticate(engine=engine, secret=secret)


def test_a_taken_or_malformed_name_is_refused_and_nothing_is_written(engine: Engine) -> None:
    api_keys.create_key(engine=engine, name="crm", scope=Scope.READ)

    with pytest.raises(InvalidInput, match="exists already"):
        api_keys.create_key(engine=engine, name="crm", scope=Scope.ADMIN)
    with pytest.raises(InvalidInput, match="name must be"):
        api_keys.create_key(engine=engine, name="has space", scope=Scope.READ)

    assert [(k.name, k.scope) for k in api_keys.list_keys(engine=engine)] == [("crm", Scope.READ)]


def test_revoking_an_unknown_or_revoked_key_is_refused(engine: Engine) -> None:
    api_keys.create_key(engine=engine, name="old", scope=Scope.READ)
    api_keys.revoke_key(engine=engine, name="old")

    with pytest.raises(InvalidInput, match="revoked already"):
        api_keys.revoke_key(engine=engine, name="old")
    with pytest.raises(NotFound):
        api_keys.revoke_key(engine=engine, name="never")


def test_reissuing_a_key_replaces_it_and_the_old_one_stops_working(engine: Engine) -> None:
    old = api_keys.reissue_key(engine=engine, name="demo-read", scope=Scope.READ)

    new = api_keys.reissue_key(engine=engine, name="demo-read", scope=Scope.READ)

    assert api_keys.authenticate(engine=engine, secret=new.secret).name == "demo-read"
    with pytest.raises(Unauthenticated):
        api_keys.authenticate(engine=engine, secret=old.secret)
    assert [k.name for k in api_keys.list_keys(engine=engine)] == ["demo-read"]


def test_last_use_is_written_at_most_once_a_minute(engine: Engine) -> None:
    created = api_keys.create_key(engine=engine, name="busy", scope=Scope.READ)

    api_keys.authenticate(engine=engine, secret=created.secret)
    (first,) = [k.last_used_at for k in api_keys.list_keys(engine=engine)]
    api_keys.authenticate(engine=engine, secret=created.secret)
    (second,) = [k.last_used_at for k in api_keys.list_keys(engine=engine)]
    with engine.begin() as connection:
        stale = naive_utc(now_utc() - timedelta(minutes=5))
        connection.execute(update(api_keys_table).values(last_used_at=stale))
    api_keys.authenticate(engine=engine, secret=created.secret)
    (third,) = [k.last_used_at for k in api_keys.list_keys(engine=engine)]

    assert first is not None and second == first
    assert third is not None and third > naive_utc(now_utc() - timedelta(minutes=1)).replace(
        tzinfo=third.tzinfo
    )


@pytest.mark.parametrize(
    ("text", "scope"), [("read", Scope.READ), ("WRITE", Scope.WRITE), (" admin ", Scope.ADMIN)]
)
def test_scopes_parse_and_each_includes_the_smaller_ones(text: str, scope: Scope) -> None:
    assert Scope.parse(text) is scope
    assert scope.allows(Scope.READ)
    assert Scope.ADMIN.allows(scope)


def test_an_unknown_scope_is_bad_input() -> None:
    with pytest.raises(InvalidScope, match="read, write or admin"):
        Scope.parse("owner")
