"""The demo's inbound mail: a requester's reply threaded onto the onboarding ticket with its
file, an out-of-office reply taken for a loop, and a stranger's question held."""

from __future__ import annotations

from opsroom.demo import desk as demo_desk
from opsroom.demo import mail as demo_mail
from opsroom.desk import service as desk
from opsroom.infra.db import session_scope
from opsroom.mailin import service as mail
from opsroom.mailin.domain import Outcome
from tests.conftest import ADMIN, TEST_NOW, DemoHistory


def test_the_demo_desk_has_threaded_looped_and_held_mail(history: DemoHistory) -> None:
    with session_scope(history.settings) as s:
        demo_desk.customers(s)
        demo_desk.load(s, now=TEST_NOW)
        assert demo_mail.load(s, now=TEST_NOW) == 3
        assert demo_mail.load(s, now=TEST_NOW) == 0
    with session_scope(history.settings, write=False) as s:
        counts = mail.counts(s, actor=ADMIN)
        [reply] = mail.listing(s, actor=ADMIN, outcome=[Outcome.REPLY]).items
        ticket = desk.read(desk.get(s, actor=ADMIN, key=str(reply.subject_key)), ADMIN)
    assert (counts["reply"], counts["loop"], counts["held"]) == (1, 1, 1)
    assert ticket.title == demo_mail.ONBOARDING
    assert ticket.messages[-1].body.startswith("It happens with every PDF over 2 MB")
    assert [a.filename for a in ticket.attachments] == ["steps.txt"]
