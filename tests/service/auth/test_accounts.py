from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth import schemas
from opsroom.auth import service as auth
from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.errors import Forbidden, RateLimited, Unauthenticated, ValidationFailed
from tests import factories
from tests.factories import ACTOR

PASSWORD = "correct horse battery staple"


def _person(
    session: Session, email: str = "ann@example.com", role: Role = Role.RESPONDER
) -> schemas.UserRead:
    data = schemas.UserCreate(
        email=email, display_name="Ann", role=role, password=SecretStr(PASSWORD)
    )
    return schemas.UserRead.model_validate(auth.create_user(session, actor=ACTOR, data=data))


def test_password_is_stored_as_argon2_never_as_given(session: Session) -> None:
    _person(session)
    stored = auth.get_user(session, "ann@example.com").password_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_right_password_signs_in_and_wrong_one_does_not(session: Session) -> None:
    _person(session)
    assert (
        auth.authenticate(session, email="ANN@example.com", password=PASSWORD, address="10.0.0.1")
        is not None
    )
    assert (
        auth.authenticate(
            session, email="ann@example.com", password="wrong password!", address="10.0.0.1"
        )
        is None
    )
    assert (
        auth.authenticate(
            session, email="nobody@example.com", password=PASSWORD, address="10.0.0.1"
        )
        is None
    )
    actions = [e.action for e in audit.list_entries(session, subject_type="user", limit=3).items]
    assert actions == ["auth.login_failed", "auth.login_failed", "auth.login"]


def test_disabled_account_cannot_sign_in(session: Session) -> None:
    _person(session)
    auth.update_user(
        session,
        actor=ACTOR,
        email="ann@example.com",
        data=schemas.UserUpdate(version=1, active=False),
    )
    assert (
        auth.authenticate(session, email="ann@example.com", password=PASSWORD, address="10.0.0.1")
        is None
    )


def test_repeated_failures_throttle_the_account_then_the_window_passes(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    _person(session)
    for _ in range(5):
        auth.authenticate(
            session, email="ann@example.com", password="wrong password!", address="10.0.0.1"
        )
    with pytest.raises(RateLimited):
        auth.authenticate(session, email="ann@example.com", password=PASSWORD, address="10.0.0.2")
    frozen_clock.advance(timedelta(minutes=16))
    assert (
        auth.authenticate(session, email="ann@example.com", password=PASSWORD, address="10.0.0.2")
        is not None
    )


def test_repeated_failures_throttle_the_address(session: Session) -> None:
    for i in range(20):
        auth.authenticate(
            session, email=f"guess{i}@example.com", password="wrong password!", address="10.9.9.9"
        )
    with pytest.raises(RateLimited):
        auth.authenticate(
            session, email="someone@example.com", password=PASSWORD, address="10.9.9.9"
        )


def test_sessions_expire(session: Session, frozen_clock: clock.FrozenClock) -> None:
    _person(session)
    user = auth.get_user(session, "ann@example.com")
    secret, csrf = auth.start_session(session, user=user, address="10.0.0.1")
    found = auth.session_of(session, secret)
    assert found is not None
    assert found.csrf_token == csrf
    frozen_clock.advance(auth.SESSION_LIFETIME)
    assert auth.session_of(session, secret) is None


def test_new_password_signs_out_everywhere_and_must_be_strong(session: Session) -> None:
    _person(session)
    user = auth.get_user(session, "ann@example.com")
    secret, _ = auth.start_session(session, user=user, address="10.0.0.1")
    me = auth.principal_for(session, user)
    with pytest.raises(ValidationFailed):
        auth.set_password(session, actor=me, email="ann@example.com", password="short")
    auth.set_password(
        session, actor=me, email="ann@example.com", password="an even longer new secret"
    )
    assert auth.session_of(session, secret) is None


def test_people_cannot_change_others_passwords(session: Session) -> None:
    _person(session)
    _person(session, "bob@example.com")
    bob = auth.principal_for(session, auth.get_user(session, "bob@example.com"))
    with pytest.raises(Forbidden):
        auth.set_password(
            session, actor=bob, email="ann@example.com", password="an even longer new secret"
        )


def test_accounts_link_to_squads_through_membership(session: Session) -> None:
    factories.platform(session)
    factories.squad(session, "identity", members=[{"name": "Ann", "email": "Ann@Example.com"}])
    _person(session, role=Role.SQUAD_LEAD)
    assert auth.principal_for(session, auth.get_user(session, "ann@example.com")).squads == {
        "identity"
    }


def test_cli_acts_as_named_user_token_or_local_admin(session: Session) -> None:
    _person(session)
    assert auth.cli_principal(session, os_user="ops", user=None, token=None).role is Role.ADMIN
    assert (
        auth.cli_principal(session, os_user="ops", user="ann@example.com", token=None).role
        is Role.RESPONDER
    )
    with pytest.raises(Unauthenticated):
        auth.cli_principal(session, os_user="ops", user=None, token="opr_bad_token")


def test_viewer_may_not_hold_a_write_token(session: Session) -> None:
    _person(session, "v@example.com", Role.VIEWER)
    viewer = auth.principal_for(session, auth.get_user(session, "v@example.com"))
    with pytest.raises(ValidationFailed) as refused:
        auth.create_token(
            session, actor=viewer, data=schemas.TokenCreate(name="x", scopes=["write"])
        )
    assert refused.value.fields == {"scopes": "not allowed for this role"}
