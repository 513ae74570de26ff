"""Importing incident history from other tools: each incident is imported whole or not at
all (a savepoint each), re-imports update what they imported before, assignment groups
become squads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TextIO

from pydantic import ValidationError
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import service as catalog_service
from opsroom.catalog.domain import slugify
from opsroom.imports import schemas, servicenow
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents_service
from opsroom.incidents.domain import Priority, Status
from opsroom.infra.errors import NotFound, ValidationFailed

SOURCE = "servicenow"
Progress = Callable[[int, int], None]  # (incidents done, incidents in the file)


def _platform(session: Session, slug: str | None) -> str:
    if slug:
        return catalog_service.get_platform(session, slug).slug
    platforms = catalog_service.list_platforms(session)
    if len(platforms) != 1:
        raise ValidationFailed(
            "name the platform the history belongs to",
            fields={"platform": f"one of {', '.join(p.slug for p in platforms) or '(none yet)'}"},
        )
    return platforms[0].slug


@dataclass
class _Import:
    """One file's import as it goes: what each incident came to, the squads it created."""

    session: Session
    actor: Principal
    platform: str
    outcomes: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )
    squads_created: list[str] = field(default_factory=list)
    squads_known: set[str] = field(default_factory=set)
    rejected: list[schemas.RejectedRead] = field(default_factory=list)

    def take(self, record: servicenow.Record) -> None:
        """Import one incident whole (a savepoint), or reject it with its line."""
        created_before = len(self.squads_created)
        try:
            with self.session.begin_nested():
                outcome = self._imported(record)
            self.outcomes[outcome] += 1
        except (ValidationFailed, ValidationError) as exc:
            del self.squads_created[created_before:]  # rolled back with the incident
            self.rejected.append(_rejected(record.lines[0], record.number, _problem(exc)))

    def _imported(self, record: servicenow.Record) -> str:
        group = [record.assignment_group] if record.assignment_group else []
        squads = [self._squad(name) for name in group]
        data = _incident(record, self.platform, squads)
        return incidents_service.import_record(self.session, actor=self.actor, data=data)[1]

    def _squad(self, group: str) -> str:
        """The squad of an assignment group; each is looked up once per import."""
        slug = slugify(group)[:80]
        if slug in self.squads_known or slug in self.squads_created:
            return slug
        try:
            self.squads_known.add(catalog_service.get_squad(self.session, slug).slug)
        except NotFound:
            data = catalog_schemas.SquadCreate(
                slug=slug,
                name=group,
                platform=self.platform,
                description="Created from a ServiceNow assignment group on import",
            )
            created = catalog_service.create_squad(self.session, actor=self.actor, data=data)
            self.squads_created.append(created.slug)
        return slug

    def result(self) -> schemas.ImportResult:
        return schemas.ImportResult(
            platform=self.platform,
            squads_created=self.squads_created,
            rejected=sorted(self.rejected, key=lambda r: r.line),
            **self.outcomes,
        )


def _rejected(line: int, number: str | None, problem: str) -> schemas.RejectedRead:
    return schemas.RejectedRead(line=line, number=number, problem=problem)


def _incident(
    record: servicenow.Record, platform: str, squads: list[str]
) -> incident_schemas.IncidentImport:
    what = " / ".join(part for part in (record.category, record.subcategory) if part)
    return incident_schemas.IncidentImport(
        external_ref=record.number,
        title=f"{record.number}: {what or 'ServiceNow incident'}",
        platform=platform,
        source=SOURCE,
        status=Status(record.status),
        impact=record.impact,
        urgency=record.urgency,
        priority=Priority(record.priority),
        squads=squads,
        detected_at=record.opened_at,
        acknowledged_at=record.acknowledged_at,
        mitigated_at=record.resolved_at,
        resolved_at=record.resolved_at,
        closed_at=record.closed_at,
        reopen_count=record.reopen_count,
        reassignment_count=record.reassignment_count,
        resolution_breached=not record.made_sla,
    )


def import_servicenow(
    session: Session,
    *,
    actor: Principal,
    source: TextIO,
    zone: tzinfo,
    platform: str | None = None,
    progress: Progress | None = None,
) -> schemas.ImportResult:
    """Import a ServiceNow incident export (one row per incident, or per update)."""
    require(actor, Action.GOVERN)
    run = _Import(session, actor, _platform(session, platform))
    try:
        parsed = servicenow.parse(source, zone)
    except servicenow.BadRow as exc:
        raise ValidationFailed(str(exc), fields={"file": str(exc)}) from None
    run.rejected.extend(_rejected(r.line, r.number, r.problem) for r in parsed.rejected)
    for done, record in enumerate(parsed.records, start=1):
        run.take(record)
        if progress:
            progress(done, len(parsed.records))
    return run.result()


def _problem(exc: ValidationFailed | ValidationError) -> str:
    if isinstance(exc, ValidationFailed):
        return exc.message
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
