"""SMS replies act through the use cases as their sender: escalate, acknowledge, resolve."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.notify import domain
from opsroom.notify import service as notify
from opsroom.oncall import replies, schemas
from opsroom.oncall import service as oncall
from tests import factories
from tests.factories import ACTOR

ALICE, BOB = "alice@example.com", "bob@example.com"
ALICE_PHONE = "+27821234567"


def _paged_by_sms(session: Session) -> tuple[str, str]:
    """An incident whose policy pages alice, then bob; alice is reached by SMS. (key, code)"""
    factories.small_platform(session)
    policy = {
        "slug": "identity",
        "name": "Identity",
        "squad": "identity",
        "squad_default": True,
        "levels": [
            {"targets": [{"kind": "person", "ref": ALICE}], "timeout_minutes": 10},
            {"targets": [{"kind": "person", "ref": BOB}]},
        ],
    }
    oncall.create_policy(session, actor=ACTOR, data=schemas.PolicyCreate.model_validate(policy))
    factories.verified_contact(session, ALICE, ALICE_PHONE)
    data = incident_schemas.IncidentCreate(
        title="Login fails", impact=3, urgency=1, services=["auth"]
    )
    key = incidents.declare(session, actor=ACTOR, data=data).key
    secret = settings_of(session).signing_secret.get_secret_value()
    return key, domain.reply_code(secret, incident=key, person=ALICE)


def _paged(session: Session, key: str) -> list[str]:
    return [row.person for row in notify.log(session, actor=ACTOR, incident=key).items]


def test_esc_pages_the_next_level_at_once(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    key, code = _paged_by_sms(session)

    answer = replies.answer_sms(session, sender=ALICE_PHONE, text=f"ESC {code}")

    assert answer == f"{key} escalated to the next level"
    assert sorted(_paged(session, key)) == [ALICE, BOB]
    assert replies.answer_sms(session, sender=ALICE_PHONE, text=f"esc {code}") == (
        f"{key}: {key} is no longer escalating (its last level was paged)"
    )


def test_ack_then_res_move_the_incident_as_the_sender(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    key, code = _paged_by_sms(session)

    acknowledged = replies.answer_sms(session, sender="+27 82 123 4567", text=f"ACK {code}")
    again = replies.answer_sms(session, sender=ALICE_PHONE, text=f"ACK {code}")
    resolved = replies.answer_sms(session, sender=ALICE_PHONE, text=f"RES {code}")

    assert (acknowledged, resolved) == (f"{key} acknowledged", f"{key} resolved")
    assert again.startswith(f"{key}: ")
    assert incidents.find(session, key).status == "resolved"
    assert _paged(session, key) == [ALICE]
