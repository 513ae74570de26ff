"""`opsroom subscribe`, `opsroom subscription list|update|remove`, and editing contact methods,
notification rules and quiet hours: `opsroom contact-method list|add|verify|confirm|update|remove`,
`opsroom notification-rule list|add|update|remove`, `opsroom quiet-hours show|set|clear`."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, fail, out, table, unit_of_work
from opsroom.incidents.domain import Audience
from opsroom.notify import schemas, subscriptions, verification
from opsroom.notify import service as notify
from opsroom.notify.domain import Channel, Urgency

MAX_ID = 2**31 - 1
subscription_app = typer.Typer(help="Stakeholder subscriptions.", no_args_is_help=True)
contact_app = typer.Typer(help="A person's contact methods.", no_args_is_help=True)
rule_app = typer.Typer(help="A person's notification rules.", no_args_is_help=True)
quiet_app = typer.Typer(
    help="A person's quiet hours: low-urgency pages wait until they end.", no_args_is_help=True
)


def subscribe(
    service: str | None = typer.Option(None, help="a service slug"),
    journey: str | None = typer.Option(None, help="a journey slug"),
    subscriber: str | None = typer.Option(
        None, help="an account or bare email address (operations managers); you by default"
    ),
    audience: Audience | None = typer.Option(
        None,
        help="internal: every status update; customer: customer updates only "
        "(default: internal for responders and above, customer for everyone else)",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Receive the status updates of incidents touching a service or a journey."""
    with unit_of_work(write=True) as session:
        data = schemas.SubscriptionIn(
            subscriber=subscriber, service=service, journey=journey, audience=audience
        )
        created = schemas.SubscriptionRead.model_validate(
            subscriptions.subscribe(session, actor=actor(session), data=data)
        )
    emit(created, as_json, lambda: out.print(_described(created)))


def _described(s: schemas.SubscriptionRead) -> str:
    return (
        f"subscription {s.id}: {s.subscriber} → {s.target_kind} {s.target} ({s.audience} updates)"
    )


@subscription_app.command("list")
def list_subscriptions(
    subscriber: str | None = typer.Option(None),
    service: str | None = typer.Option(None),
    journey: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Who is subscribed to what."""
    with unit_of_work() as session:
        rows = [
            schemas.SubscriptionRead.model_validate(s)
            for s in subscriptions.listing(
                session,
                actor=actor(session),
                subscriber=subscriber,
                service=service,
                journey=journey,
            )
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            "Subscriptions",
            ["Id", "Subscriber", "Kind", "To", "Updates"],
            [
                (
                    r.id,
                    r.subscriber,
                    "person" if r.person else "address",
                    f"{r.target_kind} {r.target}",
                    r.audience,
                )
                for r in rows
            ],
        ),
    )


@subscription_app.command("update")
def update_subscription(
    subscription_id: int = typer.Argument(..., min=1, max=MAX_ID),
    audience: Audience = typer.Option(
        ..., help="internal: every status update; customer: customer updates only"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Change which status updates a subscription receives."""
    with unit_of_work(write=True) as session:
        changed = schemas.SubscriptionRead.model_validate(
            subscriptions.change_audience(
                session, actor=actor(session), subscription_id=subscription_id, audience=audience
            )
        )
    emit(changed, as_json, lambda: out.print(_described(changed)))


@subscription_app.command("remove")
def remove_subscription(subscription_id: int = typer.Argument(..., min=1, max=MAX_ID)) -> None:
    """Remove a subscription (yours, or anyone's as operations manager)."""
    with unit_of_work(write=True) as session:
        removed = subscriptions.unsubscribe(
            session, actor=actor(session), subscription_id=subscription_id
        )
        out.print(f"removed: {removed.subscriber} → {removed.target_kind} {removed.target}")


@contact_app.command("list")
def list_contact_methods(person: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [
            schemas.ContactMethodRead.model_validate(m)
            for m in notify.contact_methods(session, actor=actor(session), person=person)
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            f"Contact methods of {person}",
            ["Id", "Kind", "Address", "Label", "Verified"],
            [
                (
                    r.id,
                    r.kind,
                    r.address,
                    r.label,
                    f"{r.verified_at:%Y-%m-%d}" if r.verified_at else "no",
                )
                for r in rows
            ],
        ),
    )


@contact_app.command("add")
def add_contact_method(
    person: str,
    kind: Channel = typer.Argument(...),
    address: str = typer.Argument(
        ..., help="email address, http(s) URL or phone number (+27821234567)"
    ),
    label: str = typer.Option(""),
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.ContactMethodIn(kind=kind, address=address, label=label)
        method = notify.add_contact_method(session, actor=actor(session), person=person, data=data)
        out.print(f"contact method {method.id}: {method.kind} {method.address}")


@contact_app.command("verify")
def send_verification_code(
    person: str, method_id: int = typer.Argument(..., min=1, max=MAX_ID)
) -> None:
    """Send a code to the contact method (an SMS to the number), to name back with confirm."""
    with unit_of_work(write=True) as session:
        verification.send_code(session, actor=actor(session), person=person, method_id=method_id)
        out.print(f"code sent to contact method {method_id}: it expires in 15 minutes")


@contact_app.command("confirm")
def confirm_contact_method(
    person: str,
    method_id: int = typer.Argument(..., min=1, max=MAX_ID),
    code: str = typer.Argument(..., help="the code sent to the contact method"),
) -> None:
    """Name back the code sent to the contact method: once verified, pages may use it."""
    with unit_of_work(write=True) as session:
        data = schemas.VerificationCode(code=code)
        confirmed = verification.confirm(
            session, actor=actor(session), person=person, method_id=method_id, code=data.code
        )
    if confirmed.refusal is not None:  # after the unit of work: the count of tries commits
        refused = confirmed.refusal
        fail(refused.message, refused.exit_code, refused.fields)
    out.print(f"contact method {method_id} verified")


@contact_app.command("update")
def update_contact_method(
    person: str,
    method_id: int = typer.Argument(..., min=1, max=MAX_ID),
    address: str | None = typer.Option(None),
    label: str | None = typer.Option(None),
) -> None:
    """Change a contact method's address or label."""
    with unit_of_work(write=True) as session:
        data = schemas.ContactMethodUpdate(address=address, label=label)
        method = notify.update_contact_method(
            session, actor=actor(session), person=person, method_id=method_id, data=data
        )
        out.print(f"contact method {method.id}: {method.kind} {method.address}")


@contact_app.command("remove")
def remove_contact_method(
    person: str, method_id: int = typer.Argument(..., min=1, max=MAX_ID)
) -> None:
    """Remove a contact method and the notification rules that use it."""
    with unit_of_work(write=True) as session:
        notify.remove_contact_method(
            session, actor=actor(session), person=person, method_id=method_id
        )
        out.print(f"removed contact method {method_id}")


@rule_app.command("list")
def list_rules(person: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [
            schemas.RuleRead.model_validate(r)
            for r in notify.rules(session, actor=actor(session), person=person)
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            f"Notification rules of {person}",
            ["Id", "Contact method", "After", "Urgency"],
            [(r.id, r.contact_method_id, f"{r.delay_minutes} min", r.urgency) for r in rows],
        ),
    )


@rule_app.command("add")
def add_rule(
    person: str,
    method_id: int = typer.Argument(..., min=1, max=MAX_ID, help="the contact method"),
    delay: int = typer.Option(0, min=0, max=1440, help="minutes after the page starts"),
    urgency: Urgency = typer.Option(Urgency.ANY, help=schemas.URGENCY_HELP),
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.RuleIn(contact_method=method_id, delay_minutes=delay, urgency=urgency)
        rule = notify.add_rule(session, actor=actor(session), person=person, data=data)
        out.print(
            f"notification rule {rule.id}: contact method {method_id} after {delay} min "
            f"({urgency} urgency)"
        )


@rule_app.command("update")
def update_rule(
    person: str,
    rule_id: int = typer.Argument(..., min=1, max=MAX_ID),
    delay: int = typer.Option(..., min=0, max=1440, help="minutes after the page starts"),
    urgency: Urgency | None = typer.Option(None, help=schemas.URGENCY_HELP),
) -> None:
    with unit_of_work(write=True) as session:
        rule = notify.update_rule(
            session,
            actor=actor(session),
            person=person,
            rule_id=rule_id,
            data=schemas.RuleUpdate(delay_minutes=delay, urgency=urgency),
        )
        out.print(
            f"notification rule {rule.id}: after {rule.delay_minutes} min ({rule.urgency} urgency)"
        )


@rule_app.command("remove")
def remove_rule(person: str, rule_id: int = typer.Argument(..., min=1, max=MAX_ID)) -> None:
    with unit_of_work(write=True) as session:
        notify.remove_rule(session, actor=actor(session), person=person, rule_id=rule_id)
        out.print(f"removed notification rule {rule_id}")


def _quiet_text(q: schemas.QuietHoursRead) -> str:
    return f"{q.person}: quiet {q.start:%H:%M}-{q.end:%H:%M} {q.time_zone} (low urgency waits)"


@quiet_app.command("show")
def show_quiet_hours(person: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        found = schemas.QuietHoursRead.model_validate(
            notify.quiet_hours(session, actor=actor(session), person=person)
        )
    emit(found, as_json, lambda: out.print(_quiet_text(found)))


@quiet_app.command("set")
def set_quiet_hours(
    person: str,
    start: str = typer.Option(..., help="local time they start, 22:00"),
    end: str = typer.Option(..., help="local time they end, 07:00"),
    zone: str = typer.Option(..., help="an IANA time zone, Africa/Johannesburg"),
) -> None:
    """Low-urgency pages due in the quiet hours wait until they end; high urgency never waits."""
    with unit_of_work(write=True) as session:
        data = schemas.QuietHoursIn.model_validate({"start": start, "end": end, "time_zone": zone})
        saved = notify.set_quiet_hours(session, actor=actor(session), person=person, data=data)
        out.print(_quiet_text(schemas.QuietHoursRead.model_validate(saved)))


@quiet_app.command("clear")
def clear_quiet_hours(person: str) -> None:
    with unit_of_work(write=True) as session:
        notify.clear_quiet_hours(session, actor=actor(session), person=person)
        out.print(f"{person}: no quiet hours, every page wakes them")
