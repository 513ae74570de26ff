"""The demo service desk: customers' tickets over the last days, some answered in time, one
breached, a few fulfilled with their surveys answered, one the customer wrote on again, and
tickets from customers hit by the open major incident linked to it (whose status page shows
it); the customers' organisations with their email domains, and the procurement desk's
holidays and canned responses. Recorded through the services with the clock moved to each
moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.desk import organisations, requesting, schemas, sla, surveys
from opsroom.desk import service as desk
from opsroom.desk.domain import Decision, Kind, Priority, Transition
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.notify import service as notify

AGENT = Principal(name="responder@example.com", role=Role.RESPONDER)
KEEPER = Principal(name="opsroom-demo", role=Role.ADMIN, via="cli")  # as the demo loads
# Each customer: its email domains and the platforms it is a customer of.
ORGANISATIONS = {
    "Acme": (["acme.example"], ["commerce", "procurement"]),
    "Globex": (["globex.example", "globex-logistics.example"], ["procurement"]),
    "Initech": (["initech.example"], ["procurement"]),
}


@dataclass(frozen=True)
class Story:
    hours_ago: int
    title: str
    requester: str
    organisation: str
    service: str
    priority: Priority
    kind: Kind = Kind.INCIDENT
    reply_after: int | None = None  # minutes to the first reply; None: nobody answered yet
    resolve_after: int | None = None  # minutes to resolution
    score: int | None = None  # the requester's survey answer
    written_after: int | None = None  # minutes to the requester writing again


STORIES = (
    Story(
        150,
        "Supplier portal rejects my login",
        "m.jansen@acme.example",
        "Acme",
        "supplier-portal",
        Priority.P2,
        reply_after=20,
        resolve_after=200,
        score=5,
    ),
    Story(
        120,
        "New cost centre for the Rotterdam office",
        "k.osei@globex.example",
        "Globex",
        "erp-connector",
        Priority.P4,
        Kind.REQUEST,
        reply_after=90,
        resolve_after=600,
        score=4,
    ),
    Story(
        96,
        "Invoice PDF shows the wrong VAT",
        "l.moreau@initech.example",
        "Initech",
        "notification-service",
        Priority.P3,
        reply_after=60,
        resolve_after=900,
        score=2,
    ),
    Story(
        72,
        "Access to the supplier risk report",
        "s.rossi@acme.example",
        "Acme",
        "supplier-risk-scoring",
        Priority.P4,
        Kind.REQUEST,
        reply_after=30,
        resolve_after=120,
        score=5,
    ),
    Story(
        30,
        "Search returns no results for part numbers",
        "j.smith@globex.example",
        "Globex",
        "search-api",
        Priority.P3,
        reply_after=45,
        written_after=180,
    ),
    Story(
        26,
        "Purchase order stuck in approval",
        "a.nowak@initech.example",
        "Initech",
        "erp-connector",
        Priority.P2,
    ),
    Story(
        3,
        "Onboarding form loses attachments",
        "e.berg@acme.example",
        "Acme",
        "supplier-onboarding-api",
        Priority.P3,
    ),
)


def load(session: Session, *, now: datetime) -> int:
    """Load the demo tickets up to `now`; how many it created (none when tickets exist)."""
    if desk.search(session, actor=AGENT, limit=1).items:
        return 0
    _desk_settings(session, now)
    for story in STORIES:
        _play(session, story, now - timedelta(hours=story.hours_ago))
    _affected_by_open_major(session, now)
    _requests(session, now)
    return len(desk.search(session, actor=AGENT, limit=500).items)


def customers(session: Session) -> None:
    """The customer organisations, before their requesters' accounts (unless they exist)."""
    if organisations.all_organisations(session, actor=KEEPER):
        return
    for name, (domains, platforms) in ORGANISATIONS.items():
        data = schemas.OrganisationCreate(name=name, domains=domains, platforms=platforms)
        organisations.create(session, actor=KEEPER, data=data)


CANNED = [
    schemas.CannedResponseDoc(
        title="Looking into it", body="Thanks for reporting this; we are on it."
    ),
    schemas.CannedResponseDoc(
        title="Need a screenshot",
        body="Could you send us a screenshot of what you see, and the time it happened?",
    ),
]


def _desk_settings(session: Session, now: datetime) -> None:
    """The procurement desk closes over Christmas and on New Year's Day, and keeps its
    canned responses."""
    current = sla.read_settings(session, actor=KEEPER, platform="procurement")
    days = [date(now.year, 12, 25), date(now.year, 12, 26), date(now.year + 1, 1, 1)]
    changed = {"holidays": days, "canned_responses": CANNED}
    sla.replace_settings(
        session, actor=KEEPER, platform="procurement", data=current.model_copy(update=changed)
    )


def _play(session: Session, story: Story, opened_at: datetime) -> None:
    data = schemas.TicketCreate(
        kind=story.kind,
        title=story.title,
        requester=story.requester,
        organisation=story.organisation,
        service=story.service,
        priority=story.priority,
    )
    with clock.standing_at(opened_at):
        key = desk.open_ticket(session, actor=AGENT, data=data).key
    if story.reply_after is not None:
        with clock.standing_at(opened_at + timedelta(minutes=story.reply_after)):
            reply = schemas.MessageIn(body="Thanks for reporting this; we are on it.")
            desk.add_message(session, actor=AGENT, key=key, data=reply)
    if story.written_after is not None:
        with clock.standing_at(opened_at + timedelta(minutes=story.written_after)):
            customer = Principal(
                name=story.requester, role=Role.REQUESTER, organisation=story.organisation
            )
            again = schemas.MessageIn(body="It also fails for part numbers with a dash.")
            desk.add_message(session, actor=customer, key=key, data=again)
    if story.resolve_after is not None:
        with clock.standing_at(opened_at + timedelta(minutes=story.resolve_after)):
            moved = schemas.TicketMove()
            desk.transition(session, actor=AGENT, key=key, move=Transition.RESOLVE, data=moved)
            if story.score is not None:
                _answer(session, story.requester, story.score)


def _answer(session: Session, requester: str, score: int) -> None:
    """The requester follows the survey link in the email they were sent."""
    sent = notify.log(session, actor=AGENT, person=requester, limit=500).items
    for link in {m.message["link"] for m in sent if "/surveys/" in m.message["link"]}:
        token = link.rsplit("/", 1)[1]
        surveys.answer(session, token=token, data=schemas.SurveyAnswer(score=score))


def _affected_by_open_major(session: Session, now: datetime) -> None:
    open_major = incidents.open_major(session, actor=AGENT)
    if not open_major:
        return
    incident = open_major[0]
    for n, (who, organisation) in enumerate(
        (("p.king@acme.example", "Acme"), ("r.diaz@globex.example", "Globex"))
    ):
        data = schemas.TicketCreate(
            title=f"Is something down? ({incident.service_slugs[0]})",
            requester=who,
            organisation=organisation,
            service=incident.service_slugs[0],
            priority=Priority.P2,
        )
        with clock.standing_at(
            max(incident.detected_at, now - timedelta(minutes=30)) + timedelta(minutes=n)
        ):
            key = desk.open_ticket(session, actor=AGENT, data=data).key
            same = schemas.EscalationIn(incident=incident.key)
            desk.escalate(session, actor=AGENT, key=key, data=same)


COST_CENTRE = schemas.RequestTypeCreate.model_validate(
    {
        "slug": "new-cost-centre",
        "name": "New cost centre",
        "description": "A cost centre in the ERP for purchase orders to be booked on.",
        "service": "erp-connector",
        "priority": Priority.P4,
        "fields": [
            {"name": "code", "label": "Cost centre code", "required": True},
            {
                "name": "office",
                "label": "Office",
                "type": "choice",
                "choices": ["Amsterdam", "Rotterdam", "Utrecht"],
                "required": True,
            },
            {"name": "budget", "label": "Annual budget (EUR)", "type": "number"},
            {"name": "starts_on", "label": "Starts on", "type": "date"},
        ],
        "approvals": [{"approver": "squad_lead"}, {"approver": "operations_manager"}],
    }
)


def _requests(session: Session, now: datetime) -> None:
    """The catalog's cost-centre request: one approved twice and fulfilled, one waiting for
    its squad lead."""
    requesting.create_type(session, actor=KEEPER, data=COST_CENTRE)
    fulfilled = _asked(session, now - timedelta(hours=48), "k.osei@globex.example", "Globex")
    for hours in (46, 44):
        with clock.standing_at(now - timedelta(hours=hours)):
            approval = schemas.ApprovalIn(note="within this year's budget")
            requesting.decide(
                session, actor=KEEPER, key=fulfilled, decision=Decision.APPROVED, data=approval
            )
    with clock.standing_at(now - timedelta(hours=40)):
        done = schemas.TicketMove()
        desk.transition(session, actor=AGENT, key=fulfilled, move=Transition.RESOLVE, data=done)
    _asked(session, now - timedelta(hours=5), "a.nowak@initech.example", "Initech")


def _asked(session: Session, at: datetime, requester: str, organisation: str) -> str:
    customer = Principal(name=requester, role=Role.REQUESTER, organisation=organisation)
    answers = {
        "code": f"CC-{organisation[:3].upper()}-07",
        "office": "Rotterdam",
        "budget": "25000",
    }
    with clock.standing_at(at):
        data = schemas.RequestIn(type=COST_CENTRE.slug, answers=answers)
        return requesting.make_request(session, actor=customer, data=data).key
