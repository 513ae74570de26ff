"""Inbound mail on both databases: a requester's mail opens a ticket with its files, a reply
threads onto its ticket, strangers' mail is held for staff, automatic mail is kept and never
answered, and nothing received twice acts twice."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.desk import service as desk
from opsroom.desk.domain import Status, Transition
from opsroom.desk.schemas import MessageIn, TicketMove
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict
from opsroom.mailin import service
from opsroom.mailin.domain import Outcome
from opsroom.mailin.schemas import AcceptIn
from tests.factories import ACTOR
from tests.mail import REQUESTER, outgoing, reply_to, written

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_a_requesters_mail_opens_a_ticket_with_its_files(db: Session) -> None:
    files = (
        ("screen.png", "image/png", PNG),
        ("huge.png", "image/png", b"\x00" * 1001),
        ("setup.exe", "application/x-msdownload", b"MZ"),
    )
    row = service.receive(db, written(files=files), via="smtp")
    assert (row.outcome, row.subject_key) == (Outcome.TICKET_OPENED, "TKT-1")
    assert row.reason == (
        "not kept: huge.png: 1001 bytes, more than 1000; "
        "not kept: setup.exe: application/x-msdownload files are not taken"
    )
    ticket = desk.read(desk.get(db, actor=ACTOR, key="TKT-1"), ACTOR)
    assert (ticket.requester, ticket.organisation, ticket.service) == (
        REQUESTER,
        "Acme",
        "checkout",
    )
    assert (ticket.title, ticket.description) == (
        "Cannot log in",
        "The sign-in page spins forever.",
    )
    [kept] = ticket.attachments
    assert (kept.filename, kept.size, kept.sha256) == (
        "screen.png",
        len(PNG),
        hashlib.sha256(PNG).hexdigest(),
    )


def test_a_reply_to_the_desks_mail_threads_onto_the_ticket_and_reopens_it(db: Session) -> None:
    service.receive(db, written(), via="smtp")
    desk.add_message(db, actor=ACTOR, key="TKT-1", data=MessageIn(body="Try clearing cookies."))
    desk.transition(db, actor=ACTOR, key="TKT-1", move=Transition.RESOLVE, data=TicketMove())
    answer = reply_to(outgoing(db, REQUESTER), text="Cookies cleared, still spinning.")
    row = service.receive(db, answer, via="imap")
    assert (row.outcome, row.subject_key) == (Outcome.REPLY, "TKT-1")
    ticket = desk.read(desk.get(db, actor=ACTOR, key="TKT-1"), ACTOR)
    assert ticket.status is Status.OPEN
    assert ticket.resolved_at is None
    assert [(m.author, m.body) for m in ticket.messages][-1] == (
        REQUESTER,
        "Cookies cleared, still spinning.",
    )
    told = outgoing(db, "lead@example.com")
    assert str(told["Subject"]).startswith(f"[TKT-1] {REQUESTER} replied: Cannot log in")


def test_a_reply_from_outside_the_organisation_is_held(db: Session) -> None:
    service.receive(db, written(), via="smtp")
    desk.add_message(db, actor=ACTOR, key="TKT-1", data=MessageIn(body="On it."))
    answer = reply_to(outgoing(db, REQUESTER), sender="eve@evil.example", text="Close it")
    row = service.receive(db, answer, via="smtp")
    assert (row.outcome, row.subject_key) == (Outcome.HELD, "TKT-1")
    assert row.reason == "eve@evil.example is not a requester of Acme"
    assert len(desk.get(db, actor=ACTOR, key="TKT-1").messages) == 1


def test_a_strangers_mail_is_held_until_staff_accept_it(db: Session) -> None:
    held = service.receive(db, written(sender="carl@newco.example"), via="smtp")
    assert (held.outcome, held.reason) == (
        Outcome.HELD,
        "carl@newco.example is not a known requester",
    )
    listed = service.listing(db, actor=ACTOR, outcome=[Outcome.HELD]).items
    assert [m.id for m in listed] == [held.id]
    accepted = service.accept(db, actor=ACTOR, mail_id=held.id, data=AcceptIn(organisation="NewCo"))
    assert (accepted.outcome, accepted.subject_key, accepted.handled_by) == (
        Outcome.ACCEPTED,
        "TKT-1",
        "tester",
    )
    ticket = desk.get(db, actor=ACTOR, key="TKT-1")
    assert (ticket.requester, ticket.organisation) == ("carl@newco.example", "NewCo")
    with pytest.raises(Conflict, match="is accepted, not held"):
        service.discard(db, actor=ACTOR, mail_id=held.id)


def test_discarded_mail_opens_nothing(db: Session) -> None:
    held = service.receive(db, written(sender="spam@junk.example"), via="smtp")
    assert service.discard(db, actor=ACTOR, mail_id=held.id).outcome == Outcome.DISCARDED
    assert desk.search(db, actor=ACTOR).items == []


def test_automatic_mail_is_kept_counted_and_never_answered(db: Session) -> None:
    bounce = service.receive(db, written(Return_Path="<>"), via="smtp")
    away = service.receive(db, written(Auto_Submitted="auto-replied"), via="smtp")
    assert [bounce.outcome, away.outcome] == [Outcome.LOOP, Outcome.LOOP]
    assert desk.search(db, actor=ACTOR).items == []
    assert service.counts(db, actor=ACTOR)["loop"] == 2


def test_a_flooding_sender_is_taken_for_a_loop(
    db: Session, frozen_clock: clock.FrozenClock
) -> None:
    outcomes = [
        service.receive(db, written(subject=f"Mail {n}"), via="smtp").outcome for n in range(6)
    ]
    assert outcomes == [Outcome.TICKET_OPENED] * 5 + [Outcome.LOOP]
    frozen_clock.advance(timedelta(minutes=61))
    assert (
        service.receive(db, written(subject="Later"), via="smtp").outcome == Outcome.TICKET_OPENED
    )


def test_malformed_mail_is_stored_raw_and_reported(db: Session) -> None:
    raw = b"Subject: no sender\r\n\r\n\xff\xfe"
    row = service.receive(db, raw, via="smtp")
    assert (row.outcome, row.reason) == (Outcome.MALFORMED, "it names no sender address in From")
    assert service.get(db, actor=ACTOR, mail_id=row.id).raw == raw


def test_a_mail_received_twice_acts_once(db: Session) -> None:
    raw = written(Message_ID="<once@acme.example>")
    first = service.receive(db, raw, via="smtp")
    again = service.receive(db, raw, via="imap")
    assert again.id == first.id
    assert len(desk.search(db, actor=ACTOR).items) == 1


def test_without_a_service_for_mail_a_requesters_mail_is_held(mail_settings: Settings) -> None:
    unset = mail_settings.model_copy(update={"mail_service": None})
    with session_scope(unset) as s:
        row = service.receive(s, written(), via="smtp")
        assert (row.outcome, row.reason) == (
            Outcome.HELD,
            "no service takes tickets by email (OPSROOM_MAIL_SERVICE)",
        )
        assert desk.search(s, actor=ACTOR).items == []


def test_mail_the_database_could_not_keep_as_written_is_kept_all_the_same(db: Session) -> None:
    nul = written(text="line one\x00line two", subject="Odd\x00bytes")
    row = service.receive(db, nul, via="smtp")
    assert (row.outcome, row.subject) == (Outcome.TICKET_OPENED, "Oddbytes")
    assert desk.get(db, actor=ACTOR, key="TKT-1").description == "line oneline two"
    huge = service.receive(db, written(sender=f"{'a' * 320}@acme.example"), via="smtp")
    assert (huge.outcome, huge.reason) == (
        Outcome.MALFORMED,
        "its sender address is longer than 320 characters",
    )
