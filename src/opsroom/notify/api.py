"""/api/v1/subscriptions and the editing of contact methods and notification rules."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse, Response
from pydantic import EmailStr

from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import RecordId, errors
from opsroom.infra.errors import error_body
from opsroom.notify import schemas, subscriptions, verification
from opsroom.notify import service as notify

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/subscriptions", responses=errors())
def list_subscriptions(
    session: DbSession,
    actor: Actor,
    subscriber: str | None = None,
    service: str | None = None,
    journey: str | None = None,
) -> list[schemas.SubscriptionRead]:
    """Who hears about incidents touching a service or journey; filter by any of them."""
    found = subscriptions.listing(
        session, actor=actor, subscriber=subscriber, service=service, journey=journey
    )
    return [schemas.SubscriptionRead.model_validate(s) for s in found]


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED, responses=errors(403, 409, 422))
def subscribe(
    session: DbSession, actor: Actor, data: schemas.SubscriptionIn
) -> schemas.SubscriptionRead:
    """Subscribe yourself (or, as operations manager, someone else or a bare address)."""
    created = subscriptions.subscribe(session, actor=actor, data=data)
    return schemas.SubscriptionRead.model_validate(created)


@router.patch("/subscriptions/{subscription_id}", responses=errors(403, 404, 422))
def change_subscription(
    session: DbSession, actor: Actor, subscription_id: RecordId, data: schemas.SubscriptionUpdate
) -> schemas.SubscriptionRead:
    """Change which status updates a subscription receives (yours, or anyone's as
    operations manager)."""
    changed = subscriptions.change_audience(
        session, actor=actor, subscription_id=subscription_id, audience=data.audience
    )
    return schemas.SubscriptionRead.model_validate(changed)


@router.delete("/subscriptions/{subscription_id}", responses=errors(403, 404))
def unsubscribe(
    session: DbSession, actor: Actor, subscription_id: RecordId
) -> schemas.SubscriptionRead:
    """Remove a subscription; returns it as it was."""
    removed = subscriptions.unsubscribe(session, actor=actor, subscription_id=subscription_id)
    return schemas.SubscriptionRead.model_validate(removed)


@router.patch("/people/{email}/contact-methods/{method_id}", responses=errors(403, 404, 422))
def update_contact_method(
    session: DbSession,
    actor: Actor,
    email: EmailStr,
    method_id: RecordId,
    data: schemas.ContactMethodUpdate,
) -> schemas.ContactMethodRead:
    updated = notify.update_contact_method(
        session, actor=actor, person=str(email), method_id=method_id, data=data
    )
    return schemas.ContactMethodRead.model_validate(updated)


@router.post(
    "/people/{email}/contact-methods/{method_id}/verification",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(403, 404, 409, 429),
)
def send_verification_code(
    session: DbSession, actor: Actor, email: EmailStr, method_id: RecordId
) -> schemas.ContactMethodRead:
    """Send a code to the contact method (an SMS to the number), to be named back within 15
    minutes; a new code replaces the last. 409 once verified, 429 within a minute of the last."""
    method = verification.send_code(session, actor=actor, person=str(email), method_id=method_id)
    return schemas.ContactMethodRead.model_validate(method)


@router.post(
    "/people/{email}/contact-methods/{method_id}/verification/confirm",
    response_model=schemas.ContactMethodRead,
    responses=errors(403, 404, 409, 422),
)
def confirm_contact_method(
    session: DbSession,
    actor: Actor,
    email: EmailStr,
    method_id: RecordId,
    data: schemas.VerificationCode,
) -> Response | schemas.ContactMethodRead:
    """Name back the code sent to the contact method: verified, pages may use it. A wrong or
    expired code is refused (422, `code`) and counted: after five, ask for a new code."""
    confirmed = verification.confirm(
        session, actor=actor, person=str(email), method_id=method_id, code=data.code
    )
    refused = confirmed.refusal
    if refused is not None:  # answered, not raised: the count of tries must commit
        body = error_body(refused.code, refused.message, refused.fields)
        return JSONResponse(body, status_code=refused.status)
    return schemas.ContactMethodRead.model_validate(confirmed.method)


@router.delete("/people/{email}/contact-methods/{method_id}", responses=errors(403, 404))
def remove_contact_method(
    session: DbSession, actor: Actor, email: EmailStr, method_id: RecordId
) -> schemas.ContactMethodRead:
    """Remove a contact method and the notification rules that use it."""
    removed = notify.remove_contact_method(
        session, actor=actor, person=str(email), method_id=method_id
    )
    return schemas.ContactMethodRead.model_validate(removed)


@router.patch("/people/{email}/notification-rules/{rule_id}", responses=errors(403, 404))
def update_notification_rule(
    session: DbSession, actor: Actor, email: EmailStr, rule_id: RecordId, data: schemas.RuleUpdate
) -> schemas.RuleRead:
    updated = notify.update_rule(
        session, actor=actor, person=str(email), rule_id=rule_id, data=data
    )
    return schemas.RuleRead.model_validate(updated)


@router.delete("/people/{email}/notification-rules/{rule_id}", responses=errors(403, 404))
def remove_notification_rule(
    session: DbSession, actor: Actor, email: EmailStr, rule_id: RecordId
) -> schemas.RuleRead:
    removed = notify.remove_rule(session, actor=actor, person=str(email), rule_id=rule_id)
    return schemas.RuleRead.model_validate(removed)


@router.get("/people/{email}/quiet-hours", responses=errors(404))
def quiet_hours(session: DbSession, actor: Actor, email: EmailStr) -> schemas.QuietHoursRead:
    """When the person is not woken for a low-urgency page (404: they have none)."""
    found = notify.quiet_hours(session, actor=actor, person=str(email))
    return schemas.QuietHoursRead.model_validate(found)


@router.put("/people/{email}/quiet-hours", responses=errors(403))
def set_quiet_hours(
    session: DbSession, actor: Actor, email: EmailStr, data: schemas.QuietHoursIn
) -> schemas.QuietHoursRead:
    """Set or replace the person's quiet hours: a low-urgency page due in them waits until
    they end; a high-urgency page goes out at once."""
    saved = notify.set_quiet_hours(session, actor=actor, person=str(email), data=data)
    return schemas.QuietHoursRead.model_validate(saved)


@router.delete("/people/{email}/quiet-hours", responses=errors(403, 404))
def clear_quiet_hours(session: DbSession, actor: Actor, email: EmailStr) -> schemas.QuietHoursRead:
    cleared = notify.clear_quiet_hours(session, actor=actor, person=str(email))
    return schemas.QuietHoursRead.model_validate(cleared)
