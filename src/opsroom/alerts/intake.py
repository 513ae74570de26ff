"""The durable intake: accepted ingest requests are appended to `alert_intake` (a 2xx means
that row is committed) and the worker drains them, per integration in order of arrival,
into alerts and incidents. A request is kept as it was received, once checked, and parsed
when drained, so the endpoint's answer waits for the checks and the commit alone. Both
sides run in their caller's transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Float, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from opsroom.alerts import domain, processing, schemas, webhooks
from opsroom.alerts.domain import AlertStatus, IncomingAlert, Link, ParseError, Severity
from opsroom.alerts.models import IntakeRequest, Integration, RawPayload
from opsroom.alerts.sources import kept as integrations
from opsroom.alerts.sources import webhook
from opsroom.alerts.write_gate import WriteGate
from opsroom.auth.domain import Action, integration_principal, require
from opsroom.infra import clock
from opsroom.infra.db import UTCDateTime
from opsroom.infra.errors import OpsroomError, RateLimited, Unauthenticated
from opsroom.infra.sqldriver import DriverStatement
from opsroom.jobs import service as jobs

PURGE_TIMER = "alerts.purge_raw"
PURGE_SUBJECT = "alerts:raw-payloads"
PURGE_EVERY = timedelta(hours=1)
# A drain transaction takes at most this many requests, and stops adding requests once it
# holds this many alerts, so it never keeps the database's write lock for long.
DRAIN_REQUESTS = 256
DRAIN_ALERTS = 1024
# PostgreSQL advisory-lock namespace: one drainer per integration at a time, so its
# requests are processed in order of arrival however many workers run.
DRAIN_LOCK = 0x0A1E
# Set after every intake commit in this process (see service.intake_arrived).
arrived = threading.Event()
log = logging.getLogger(__name__)


gate = WriteGate()


@dataclass(frozen=True)
class Pending:
    """An ingest request that passed every check but the ones needing the integration's
    row (its key still valid, its rate limit): what the endpoint hands over to be kept."""

    integration_id: int
    key_hash: str
    source: str
    alerts: bytes | None  # None: parse `body` when drained; else as `encode` writes them
    body: bytes


def encode(alerts: Sequence[IncomingAlert]) -> bytes:
    return orjson.dumps(alerts)


def decode(text: str | bytes) -> list[IncomingAlert]:
    return [_incoming(item) for item in orjson.loads(text)]


def _incoming(item: dict[str, Any]) -> IncomingAlert:
    return IncomingAlert(
        **{
            **item,
            "status": AlertStatus(item["status"]),
            "severity": Severity(item["severity"]),
            "starts_at": _time(item["starts_at"]),
            "ends_at": _time(item["ends_at"]),
            "links": tuple(Link(**link) for link in item["links"]),
        }
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- accepting ------------------------------------------------------------------------------


# Accepting runs for every ingest commit. Its three statements run on the driver's cursor
# (sqldriver.py): SQLAlchemy's execution of them cost about three times SQLite's own work.
_INTEGRATIONS = cast(Table, Integration.__table__).c
LOCK = (
    select(
        _INTEGRATIONS.slug,
        _INTEGRATIONS.active,
        _INTEGRATIONS.key_hash,
        _INTEGRATIONS.settings,
        _INTEGRATIONS.bucket_tokens,
        _INTEGRATIONS.bucket_at,
    )
    .where(_INTEGRATIONS.id == bindparam("id"))
    .with_for_update()
)
KEEP = insert(cast(Table, IntakeRequest.__table__))
KEPT = ("integration_id", "received_at", "source", "alerts", "body")
TAKE = (
    update(cast(Table, Integration.__table__))
    .where(_INTEGRATIONS.id == bindparam("b_id"))
    .values(
        bucket_tokens=bindparam("b_tokens", type_=Float()),
        bucket_at=bindparam("b_at", type_=UTCDateTime()),
    )
)


@dataclass(frozen=True)
class _Statements:
    lock: DriverStatement
    keep: DriverStatement
    take: DriverStatement


@lru_cache(maxsize=4)
def _statements(dialect: Dialect) -> _Statements:
    return _Statements(
        DriverStatement.compile(LOCK, dialect),
        DriverStatement.compile(KEEP, dialect, KEPT),
        DriverStatement.compile(TAKE, dialect),
    )


def accept(connection: Connection, requests: Sequence[Pending]) -> list[OpsroomError | None]:
    """Keep each request whose key is still valid and whose integration has a token left;
    the others get their refusal (and keep nothing). Each integration the requests name is
    locked (in order of id, so concurrent commits queue for its bucket rather than
    deadlock); the rows and the buckets are written in bulk, a commit of many requests
    costing a few statements. Runs in `connection`'s transaction."""
    statements = _statements(connection.dialect)
    now = clock.now()
    admissions = _locked(connection, statements, {r.integration_id for r in requests})
    rows: list[dict[str, Any]] = []
    outcomes: list[OpsroomError | None] = []
    for request in requests:
        refusal = _refusal(admissions.get(request.integration_id), request, now)
        if refusal is None:
            rows.append(_row(request, now))
        outcomes.append(refusal)
    if rows:
        statements.keep.execute_many(connection, rows)
    _keep_buckets(connection, statements, admissions)
    return outcomes


@dataclass
class _Admission:
    """What accepting needs of an integration's row, locked for the commit, and its bucket
    as the commit's requests leave it."""

    slug: str
    active: bool
    key_hash: str
    per_minute: int
    bucket: domain.Bucket
    taken: bool = False


def _locked(
    connection: Connection, statements: _Statements, ids: set[int]
) -> dict[int, _Admission]:
    locked = {}
    for id_ in sorted(ids):
        for row in statements.lock.execute(connection, {"id": id_}):
            locked[id_] = _admission(*row)
    return locked


def _admission(
    slug: str,
    active: bool,
    key_hash: str,
    settings: dict[str, Any] | None,
    tokens: float,
    at: datetime | None,
) -> _Admission:
    per_minute = _per_minute(orjson.dumps(settings or {}))
    return _Admission(slug, bool(active), key_hash, per_minute, domain.Bucket(tokens, at))


@lru_cache(maxsize=256)
def _per_minute(settings: bytes) -> int:
    """The rate limit an integration's settings document sets, validated once per document
    rather than at every commit."""
    return schemas.IntegrationSettings.stored(orjson.loads(settings)).rate_limit_per_minute


def _refusal(admission: _Admission | None, request: Pending, now: datetime) -> OpsroomError | None:
    if admission is None or not admission.active or admission.key_hash != request.key_hash:
        return Unauthenticated("this integration key is not valid (unknown, rotated or disabled)")
    require(integration_principal(admission.slug), Action.INGEST)
    bucket, refusal = _token(admission.slug, admission.bucket, now, admission.per_minute)
    if bucket is not None:
        admission.bucket, admission.taken = bucket, True
    return refusal


def _keep_buckets(
    connection: Connection, statements: _Statements, admissions: dict[int, _Admission]
) -> None:
    for id_, admission in admissions.items():
        if admission.taken:
            bucket = {"b_id": id_, "b_tokens": admission.bucket.tokens, "b_at": admission.bucket.at}
            statements.take.execute(connection, bucket)


def take_token(integration: Integration, now: datetime, per_minute: int) -> RateLimited | None:
    """Take a token from the integration's bucket (its row must be locked), or refuse."""
    bucket = domain.Bucket(integration.bucket_tokens, integration.bucket_at)
    taken, refusal = _token(integration.slug, bucket, now, per_minute)
    if taken is not None:
        integration.bucket_tokens, integration.bucket_at = taken.tokens, taken.at
    return refusal


def _token(
    slug: str, bucket: domain.Bucket, now: datetime, per_minute: int
) -> tuple[domain.Bucket | None, RateLimited | None]:
    """The bucket after taking a token, or the refusal when none is left."""
    taken, wait = domain.take_token(bucket, now=now, per_minute=per_minute)
    if taken is None:
        return None, RateLimited(
            f"integration '{slug}' accepts {per_minute} requests a minute; retry in {wait} s",
            retry_after=wait,
        )
    return taken, None


def _row(request: Pending, now: datetime) -> dict[str, Any]:
    return {
        "integration_id": request.integration_id,
        "received_at": now,
        "source": request.source,
        "alerts": None if request.alerts is None else request.alerts.decode(),
        "body": request.body.decode("utf-8", errors="replace"),
    }


# --- draining -------------------------------------------------------------------------------


def newest(session: Session) -> int:
    """The id of the latest request waiting (0 when none): a later one means more arrived."""
    return int(session.scalar(select(func.max(IntakeRequest.id))) or 0)


def waiting_integrations(session: Session) -> list[int]:
    """Integrations with requests to drain, the longest-waiting first."""
    query = (
        select(IntakeRequest.integration_id)
        .group_by(IntakeRequest.integration_id)
        .order_by(func.min(IntakeRequest.id))
    )
    return list(session.scalars(query))


def drain_integration(
    session: Session, integration_id: int, *, wait: bool = False
) -> schemas.IngestResult:
    """Process the integration's oldest waiting requests as one batch, keep their bodies as
    raw payloads and delete them, all in the caller's transaction. Another drainer holding
    the integration (PostgreSQL) makes this a no-op, or with `wait` makes it wait for that
    drainer's commit, so no request is processed twice or out of order."""
    if not _hold(session, integration_id, wait):
        return schemas.IngestResult()
    integration = session.get_one(Integration, integration_id)
    rows, batch, problems = _oldest(session, integration)
    if not rows:
        return schemas.IngestResult()
    result = processing.process(
        session,
        integration=integration,
        settings=schemas.IntegrationSettings.stored(integration.settings),
        actor=integration_principal(integration.slug),
        requests=batch,
    )
    keep_raw(
        session,
        [(r.integration_id, r.received_at, r.source, r.body) for r in rows],
        problems,
    )
    session.execute(delete(IntakeRequest).where(IntakeRequest.id.in_([r.id for r in rows])))
    return result


def _hold(session: Session, integration_id: int, wait: bool) -> bool:
    """PostgreSQL: a transaction-scoped advisory lock on the integration, taken at once or
    (without `wait`) not at all. SQLite: the drain's write transaction excludes every other."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(DRAIN_LOCK, integration_id)))
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(DRAIN_LOCK, integration_id))))


def _oldest(
    session: Session, integration: Integration
) -> tuple[list[IntakeRequest], list[processing.Received], list[str | None]]:
    """The integration's oldest waiting requests, their alerts, and for each the problem
    that kept its alerts from being read (None: read)."""
    query = (
        select(IntakeRequest)
        .where(IntakeRequest.integration_id == integration.id)
        .order_by(IntakeRequest.id)
        .limit(DRAIN_REQUESTS)
    )
    reader = _Reader(session, integration)
    rows: list[IntakeRequest] = []
    batch: list[processing.Received] = []
    problems: list[str | None] = []
    alerts = 0
    for row in session.scalars(query):
        if alerts >= DRAIN_ALERTS:
            break
        decoded, problem = reader.alerts_of(row)
        rows.append(row)
        batch.append((row.received_at, decoded))
        problems.append(problem)
        alerts += len(decoded)
    return rows, batch, problems


class _Reader:
    """Reads an integration's waiting requests; its webhook template is looked up only
    when a webhook request is there to read."""

    def __init__(self, session: Session, integration: Integration) -> None:
        self.session, self.integration = session, integration
        self.template: webhook.Template | None = None

    def alerts_of(self, row: IntakeRequest) -> tuple[list[IncomingAlert], str | None]:
        """The request's alerts: kept normalised, or parsed from its body now. A webhook
        its template cannot read, or a body that passed its source's checks when accepted
        but no longer parses (the parser changed meanwhile: an upgrade), is kept as a raw
        payload with the problem, and no alerts."""
        if row.alerts is not None:
            return decode(row.alerts), None
        try:
            if row.source == webhook.SOURCE:
                return self._template().parse(row.body.encode()), None
            return integrations.parse_kept(row.source, row.body.encode()), None
        except ParseError as exc:
            log.warning("intake request %s not read, kept as raw payload only: %s", row.id, exc)
            return [], "; ".join(exc.problems)

    def _template(self) -> webhook.Template:
        if self.template is None:
            self.template = webhooks.template_of(self.session, self.integration)
        if self.template is None:
            raise ParseError("the integration has no webhook type to read its webhooks with")
        return self.template


def keep_raw(
    session: Session,
    bodies: Sequence[tuple[int, datetime, str, str]],
    problems: Sequence[str | None] = (),
) -> None:
    """Keep request bodies (integration id, received at, source, body) for their retention,
    each with the problem that kept it from being read, if any, and make sure the hourly
    purge is scheduled."""
    unread = list(problems) or [None] * len(bodies)
    session.add_all(
        RawPayload(integration_id=i, received_at=at, source=source, body=body, problem=problem)
        for (i, at, source, body), problem in zip(bodies, unread, strict=True)
    )
    if not jobs.pending(session, subject=PURGE_SUBJECT):
        jobs.schedule(
            session, kind=PURGE_TIMER, subject=PURGE_SUBJECT, due_at=clock.now() + PURGE_EVERY
        )


def waiting(session: Session) -> int:
    """Requests accepted and not drained yet."""
    return int(session.scalar(select(func.count()).select_from(IntakeRequest)) or 0)


def lag_seconds(session: Session) -> float:
    """How long the oldest request not drained yet has waited (0 when none waits)."""
    oldest = session.scalar(select(func.min(IntakeRequest.received_at)))
    return max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0
