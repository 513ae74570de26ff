"""Proving a contact method reaches its owner: a code is sent to it through the outbox, and
named back by its owner (or an administrator) before pages or notices may use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import Conflict, RateLimited, ValidationFailed
from opsroom.notify import codes
from opsroom.notify.contacts import audit_person, may_edit, own_method
from opsroom.notify.domain import Channel, Notice, NoticeKind
from opsroom.notify.models import ContactMethod
from opsroom.notify.service import PageRequest, link_to, queue_on


def _awaiting(method: ContactMethod) -> None:
    if method.verified_at is not None:
        raise Conflict(f"contact method {method.id} is verified already")


def send_code(session: Session, *, actor: Principal, person: str, method_id: int) -> ContactMethod:
    """Send a new code to the contact method (at most once a minute); it replaces any
    code sent before."""
    may_edit(actor, person)
    method = own_method(session, person, method_id)
    _awaiting(method)
    now = clock.now().replace(microsecond=0)
    sent = method.verification_sent_at
    if sent is not None and now < sent + codes.VERIFICATION_RESEND:
        wait = int((sent + codes.VERIFICATION_RESEND - now) / timedelta(seconds=1)) + 1
        raise RateLimited(f"a code was sent moments ago: wait {wait} s", retry_after=wait)
    method.verification_sent_at, method.verification_tries = now, 0
    secret = settings_of(session).signing_secret.get_secret_value()
    code = codes.verification_code(secret, method=method.id, address=method.address, sent_at=now)
    notice = Notice(
        kind=NoticeKind.VERIFICATION,
        subject=f"contact method {method.id}",
        title=f"Your opsroom code is {code}. It expires in 15 minutes.",
        body="Name it on your notification settings to receive pages here.",
        link=link_to(session, "/me/notifications"),
    )
    route = (Channel(method.kind), method.address, 0)
    request = PageRequest(person, notice, f"verify:{method.id}:{now.isoformat()}", None)
    queue_on(session, request, [route])
    audit_person(session, actor, "contact_method.code_sent", person, {"id": method.id})
    return method


@dataclass(frozen=True)
class Confirmation:
    """The contact method after a code was named back, and why it is still unverified."""

    method: ContactMethod
    refusal: ValidationFailed | None


def confirm(
    session: Session, *, actor: Principal, person: str, method_id: int, code: str
) -> Confirmation:
    """Verify the contact method with the code sent to it. A wrong code is refused and
    counted (the caller keeps the count: five tries, then a new code is needed)."""
    may_edit(actor, person)
    method = own_method(session, person, method_id)
    _awaiting(method)
    secret = settings_of(session).signing_secret.get_secret_value()
    sent = codes.VerificationSent(
        method.id, method.address, method.verification_sent_at, method.verification_tries
    )
    problem = codes.verification_problem(secret, sent, code=code, now=clock.now())
    if problem:
        method.verification_tries += 1
        audit_person(session, actor, "contact_method.code_refused", person, {"id": method.id})
        return Confirmation(method, ValidationFailed(problem, fields={"code": problem}))
    method.verified_at, method.verification_sent_at = clock.now(), None
    audit_person(session, actor, "contact_method.verified", person, {"id": method.id})
    return Confirmation(method, None)
