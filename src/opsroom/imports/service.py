"""Importing incident history from other tools: each incident is imported whole or not at
all (a savepoint each), re-imports update what they imported before, assignment groups
become squads."""

from __future__ import annotations

from collections.abc import Callable
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


def _squad(
    session: Session,
    actor: Principal,
    group: str,
    platform: str,
    created: list[str],
    known: set[str],
) -> str:
    """The squad of an assignment group; each is looked up once per import (`known`)."""
    slug = slugify(group)[:80]
    if slug in known or slug in created:
        return slug
    try:
        known.add(catalog_service.get_squad(session, slug).slug)
        return slug
    except NotFound:
        data = catalog_schemas.SquadCreate(
            slug=slug,
            name=group,
            platform=platform,
            description="Created from a ServiceNow assignment group on import",
        )
        created.append(catalog_service.create_squad(session, actor=actor, data=data).slug)
        return slug


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
    slug = _platform(session, platform)
    try:
        parsed = servicenow.parse(source, zone)
    except servicenow.BadRow as exc:
        raise ValidationFailed(str(exc), fields={"file": str(exc)}) from None
    outcomes = {"created": 0, "updated": 0, "unchanged": 0}
    squads_created: list[str] = []
    squads_known: set[str] = set()
    rejected = [
        schemas.RejectedRead(line=r.line, number=r.number, problem=r.problem)
        for r in parsed.rejected
    ]
    for done, record in enumerate(parsed.records, start=1):
        known = len(squads_created)
        try:
            with session.begin_nested():
                group = [record.assignment_group] if record.assignment_group else []
                squads = [
                    _squad(session, actor, g, slug, squads_created, squads_known) for g in group
                ]
                _, outcome = incidents_service.import_record(
                    session, actor=actor, data=_incident(record, slug, squads)
                )
            outcomes[outcome] += 1
        except (ValidationFailed, ValidationError) as exc:
            del squads_created[known:]  # rolled back with the incident
            rejected.append(
                schemas.RejectedRead(
                    line=record.lines[0], number=record.number, problem=_problem(exc)
                )
            )
        if progress:
            progress(done, len(parsed.records))
    return schemas.ImportResult(
        platform=slug,
        squads_created=squads_created,
        rejected=sorted(rejected, key=lambda r: r.line),
        **outcomes,
    )


def _problem(exc: ValidationFailed | ValidationError) -> str:
    if isinstance(exc, ValidationFailed):
        return exc.message
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
