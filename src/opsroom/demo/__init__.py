"""`opsroom demo`: a believable procurement platform, so every page shows something real,
and one account per role to sign in with."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from opsroom.auth import service as auth
from opsroom.auth.domain import DEMO_PASSWORD, Principal, Role
from opsroom.auth.schemas import UserCreate
from opsroom.catalog import manifest
from opsroom.catalog import service as catalog
from opsroom.demo import alerts as alert_history
from opsroom.demo import anomalies as watched_series
from opsroom.demo import changes as demo_changes
from opsroom.demo import desk as desk_demo
from opsroom.demo import incidents as demo_history
from opsroom.demo import mail as mail_demo
from opsroom.demo import notify as notify_demo
from opsroom.demo import oncall as oncall_demo
from opsroom.demo import outbound as outbound_demo
from opsroom.demo import platforms as platform_settings
from opsroom.demo import problems as improvement_history
from opsroom.demo import risks as risk_register
from opsroom.demo import slos as demo_slos
from opsroom.demo import status as status_demo
from opsroom.demo import vendors as vendor_stories
from opsroom.demo import webhooks as webhook_history
from opsroom.infra import clock
from opsroom.infra.errors import NotFound
from opsroom.notify import service as notifications

DEMO_CATALOG = Path(__file__).parent / "catalog.yaml"
DEMO_ACTOR = Principal(name="opsroom-demo", role=Role.ADMIN, via="cli")
# Squad leads are members of their squad in the demo catalog, so they may edit its services.
PROCUREMENT = ("procurement",)
BOARD = ("commerce", "procurement")
# Each: email, name, role, the vendor of a vendor contact or the organisation of a requester,
# and the platforms an operations manager governs.
DEMO_ACCOUNTS = (
    ("admin@example.com", "Demo Administrator", Role.ADMIN, None, ()),
    ("guild.lead@example.com", "Demo Guild Lead", Role.GUILD_LEAD, None, ()),
    (
        "om@example.com",
        "Demo Operations Manager (Procurement)",
        Role.OPERATIONS_MANAGER,
        None,
        PROCUREMENT,
    ),
    (
        "om.commerce@example.com",
        "Demo Operations Manager (Commerce)",
        Role.OPERATIONS_MANAGER,
        None,
        ("commerce",),
    ),
    (
        "om.finance@example.com",
        "Demo Operations Manager (Finance)",
        Role.OPERATIONS_MANAGER,
        None,
        ("finance",),
    ),
    # The change advisory board: operations managers of both platforms, so they may stand in
    # for any approver of their changes.
    ("cab.chair@example.com", "Demo CAB Chair", Role.OPERATIONS_MANAGER, None, BOARD),
    (
        "cab.architecture@example.com",
        "Demo CAB Member (Architecture)",
        Role.OPERATIONS_MANAGER,
        None,
        BOARD,
    ),
    (
        "cab.security@example.com",
        "Demo CAB Member (Security)",
        Role.OPERATIONS_MANAGER,
        None,
        BOARD,
    ),
    ("lead.ordering@example.com", "Demo Squad Lead (Ordering)", Role.SQUAD_LEAD, None, ()),
    ("lead.checkout@example.com", "Demo Squad Lead (Checkout)", Role.SQUAD_LEAD, None, ()),
    ("lead.ledger@example.com", "Demo Squad Lead (Ledger)", Role.SQUAD_LEAD, None, ()),
    ("responder@example.com", "Demo Responder", Role.RESPONDER, None, ()),
    ("viewer@example.com", "Demo Viewer", Role.VIEWER, None, ()),
    (
        "contact@payflow.example.com",
        "Demo Vendor Contact (Payflow)",
        Role.VENDOR_CONTACT,
        "payflow",
        (),
    ),
    # A customer whose organisation's tickets the demo desk has.
    ("m.jansen@acme.example", "Demo Requester (Acme)", Role.REQUESTER, "Acme", ()),
)


def load(session: Session, *, history: bool = True) -> dict[str, dict[str, int]]:
    """Load (or bring up to date) the demo data; running it twice changes nothing. With
    `history`, a few months of incidents up to now, one major incident still open."""
    queued_before = notifications.last_queued(session)
    result = manifest.apply_text(session, actor=DEMO_ACTOR, text=DEMO_CATALOG.read_text())
    desk_demo.customers(session)
    for account in DEMO_ACCOUNTS:
        result.count("created" if _ensure_account(session, *account) else "unchanged", "user")
    result.created["platform settings"] = platform_settings.load(session, actor=DEMO_ACTOR)
    if history:
        now = clock.now()
        result.created["incidents"] = demo_history.load(session, actor=DEMO_ACTOR, now=now)
        result.created["alert requests"] = alert_history.load(session, actor=DEMO_ACTOR, now=now)
        result.created["webhooks"] = webhook_history.load(session, actor=DEMO_ACTOR, now=now)
        result.created["changes"] = demo_changes.load(session, now=now)
        result.created.update(improvement_history.load(session, actor=DEMO_ACTOR, now=now))
    result.created["oncall schedules"] = oncall_demo.load(
        session, actor=DEMO_ACTOR, now=clock.now()
    )
    result.created["subscriptions"] = notify_demo.load(session, actor=DEMO_ACTOR)
    result.created.update(risk_register.load(session, actor=DEMO_ACTOR, now=clock.now()))
    if history:
        result.created["tickets"] = desk_demo.load(session, now=clock.now())
        result.created["inbound mails"] = mail_demo.load(session, now=clock.now())
        result.created["watched series"] = watched_series.load(
            session, actor=DEMO_ACTOR, now=clock.now()
        )
        result.created.update(demo_slos.load(session, actor=DEMO_ACTOR, now=clock.now()))
        result.created.update(vendor_stories.load(session, now=clock.now()))
        result.created.update(outbound_demo.load(session))
        result.created["status page subscribers"] = status_demo.load(session, actor=DEMO_ACTOR)
    # What the stories told people happened in the past: recorded, never sent.
    notifications.record_as_sent(session, after=queued_before)
    return result.as_dict()


def _ensure_account(
    session: Session,
    email: str,
    name: str,
    role: Role,
    tie: str | None,
    platforms: tuple[str, ...],
) -> bool:
    """Create the demo account, governing `platforms`, unless it exists; whether it was
    created."""
    try:
        auth.get_user(session, email)
    except NotFound:
        data = UserCreate(
            email=email,
            display_name=name,
            role=role,
            vendor=tie if role is Role.VENDOR_CONTACT else None,
            organisation=tie if role is Role.REQUESTER else None,
            password=DEMO_PASSWORD,
        )
        auth.create_user(session, actor=DEMO_ACTOR, data=data, demo=True)
        auth.assign_platforms(session, actor=DEMO_ACTOR, email=email, platforms=platforms)
        return True
    return False


def has_data(session: Session) -> bool:
    return bool(catalog.list_platforms(session))
