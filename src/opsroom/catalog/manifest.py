"""Catalog as code: apply a YAML catalog file (idempotently, all or nothing) and export one.

Errors name the line and the field. The file format is documented in docs/catalog.md."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import domain, schemas, vendors
from opsroom.catalog import service as catalog
from opsroom.infra import yamlfile
from opsroom.infra.errors import NotFound, OpsroomError, ValidationFailed
from opsroom.infra.yamlfile import Lines, Path, failure

FORMAT_VERSION = 1


class Manifest(schemas.Input):
    version: Literal[1] = Field(description="catalog file format version")
    platforms: list[schemas.PlatformCreate] = Field(default_factory=list)
    squads: list[schemas.SquadCreate] = Field(default_factory=list)
    services: list[schemas.ServiceCreate] = Field(default_factory=list)
    journeys: list[schemas.JourneyCreate] = Field(default_factory=list)
    vendors: list[schemas.VendorCreate] = Field(default_factory=list)
    raci: list[schemas.RaciEntryIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _each_slug_once_per_section(self) -> Manifest:
        for section in ("platforms", "squads", "services", "journeys", "vendors"):
            seen: set[str] = set()
            for item in getattr(self, section):
                if item.slug in seen:
                    raise ValueError(
                        f"{section}: '{item.slug}' appears twice; keep one entry per slug"
                    )
                seen.add(item.slug)
        return self


@dataclass
class ApplyResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, outcome: str, kind: str) -> None:
        getattr(self, outcome)[kind] += 1

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
        }


# --- reading a file -------------------------------------------------------------------------


def parse(text: str) -> tuple[Manifest, Lines]:
    data, lines = yamlfile.load(text)
    if not isinstance(data, dict):
        raise ValidationFailed(
            "a catalog file is a YAML mapping with 'version: 1' at the top",
            fields={"file": "line 1: not a mapping"},
        )
    try:
        return Manifest.model_validate(data), lines
    except ValidationError as exc:
        raise failure(lines, [(tuple(e["loc"]), e["msg"]) for e in exc.errors()]) from exc


# --- applying -----------------------------------------------------------------------------


@contextmanager
def _located(lines: Lines, path: Path) -> Iterator[None]:
    """Re-raise a rule broken while applying one item with that item's place in the file."""
    try:
        yield
    except OpsroomError as exc:
        field = next(iter(exc.fields), None)
        raise failure(lines, [((*path, field) if field else path, exc.message)]) from exc


def _changed(
    current: BaseModel, desired: BaseModel, update_model: type[BaseModel]
) -> dict[str, Any]:
    now, wanted = current.model_dump(mode="json"), desired.model_dump(mode="json")
    return {
        name: wanted[name]
        for name in update_model.model_fields
        if name != "version" and name in wanted and name in now and now[name] != wanted[name]
    }


def _upsert(
    session: Session, actor: Principal, kind: str, data: Any, result: ApplyResult, ops: _Kind
) -> None:
    try:
        existing = ops.get(session, data.slug)
    except NotFound:
        ops.create(session, actor=actor, data=data)
        result.count("created", kind)
        return
    current = ops.read.model_validate(existing)
    moved_to = getattr(data, "platform", None)
    if moved_to is not None and moved_to != getattr(current, "platform", moved_to):
        raise ValidationFailed(
            f"'{data.slug}' belongs to platform '{current.platform}'; records do not move between platforms",  # type: ignore[attr-defined]
            fields={"platform": "cannot move an existing record to another platform"},
        )
    changes = _changed(current, data, ops.update_model)
    if not changes:
        result.count("unchanged", kind)
        return
    ops.update(
        session,
        actor=actor,
        slug=data.slug,
        data=ops.update_model(version=existing.version, **changes),
    )
    result.count("updated", kind)


def _sync_members(session: Session, actor: Principal, data: schemas.SquadCreate) -> bool:
    squad = catalog.get_squad(session, data.slug)
    current = [(m.name, m.email.lower(), m.phone, m.role) for m in squad.members]
    wanted = [(m.name, m.email.lower(), m.phone, m.role) for m in data.members]
    if sorted(current) == sorted(wanted):
        return False
    catalog.replace_members(session, actor=actor, slug=data.slug, members=data.members)
    return True


def _sync_dependencies(session: Session, actor: Principal, data: schemas.ServiceCreate) -> bool:
    current = {ref.slug for ref in catalog.dependencies(session, data.slug).depends_on}
    wanted = set(data.depends_on)
    for gone in sorted(current - wanted):
        catalog.remove_dependency(session, actor=actor, slug=data.slug, depends_on=gone)
    for new in data.depends_on:
        if new not in current:
            catalog.add_dependency(session, actor=actor, slug=data.slug, depends_on=new)
    return current != wanted


RaciCells = dict[tuple[str, domain.Activity], tuple[int, list[schemas.RaciPartyIn]]]


def _raci_cells(entries: Sequence[schemas.RaciEntryIn]) -> RaciCells:
    """Each service x activity the file mentions, with the first entry naming it and all its holders."""
    cells: RaciCells = {}
    for index, entry in enumerate(entries):
        party = schemas.RaciPartyIn(letter=entry.letter, squad=entry.squad, role=entry.role)
        for service in entry.services:
            for activity in entry.activities:
                cells.setdefault((service, activity), (index, []))[1].append(party)
    return cells


@dataclass(frozen=True)
class _Kind:
    get: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    read: type[BaseModel]
    update_model: type[BaseModel]


_KINDS = {
    "platforms": _Kind(
        catalog.get_platform,
        catalog.create_platform,
        catalog.update_platform,
        schemas.PlatformRead,
        schemas.PlatformUpdate,
    ),
    "squads": _Kind(
        catalog.get_squad,
        catalog.create_squad,
        catalog.update_squad,
        schemas.SquadRead,
        schemas.SquadUpdate,
    ),
    "services": _Kind(
        catalog.get_service,
        catalog.create_service,
        catalog.update_service,
        schemas.ServiceRead,
        schemas.ServiceUpdate,
    ),
    "journeys": _Kind(
        catalog.get_journey,
        catalog.create_journey,
        catalog.update_journey,
        schemas.JourneyRead,
        schemas.JourneyUpdate,
    ),
    "vendors": _Kind(
        vendors.get_vendor,
        vendors.create_vendor,
        vendors.update_vendor,
        schemas.VendorRead,
        schemas.VendorUpdate,
    ),
}


def _touched(session: Session, manifest: Manifest) -> set[str]:
    """The platforms the file names, and those of the services its vendors and RACI name."""
    named = {p.slug for p in manifest.platforms} | {s.platform for s in manifest.squads}
    named |= {s.platform for s in manifest.services} | {j.platform for j in manifest.journeys}
    supported = [link.service for v in manifest.vendors for link in v.services]
    assigned = [service for entry in manifest.raci for service in entry.services]
    return named | set(catalog.platforms_of(session, services=supported + assigned))


def apply(
    session: Session, *, actor: Principal, manifest: Manifest, lines: Lines | None = None
) -> ApplyResult:
    """Create or update everything the file describes. Raises on the first problem; the
    caller's transaction then rolls back, so a bad file applies nothing. Applied by who
    governs every platform the file touches."""
    require(actor, Action.GOVERN, platforms=_touched(session, manifest))
    lines = lines or {}
    result = ApplyResult()
    # Dependencies are wired once every service exists, so a file may name them in any order.
    without_deps = [s.model_copy(update={"depends_on": []}) for s in manifest.services]
    items = {**manifest.__dict__, "services": without_deps}
    for kind, ops in _KINDS.items():
        for i, item in enumerate(items[kind]):
            with _located(lines, (kind, i)):
                _upsert(session, actor, kind, item, result, ops)
            if kind == "squads" and _sync_members(session, actor, item):
                result.count("updated", "members")
    for i, svc in enumerate(manifest.services):
        with _located(lines, ("services", i)):
            if _sync_dependencies(session, actor, svc):
                result.count("updated", "dependencies")
    for (service, activity), (index, parties) in _raci_cells(manifest.raci).items():
        with _located(lines, ("raci", index)):
            changed = vendors.set_raci(
                session, actor=actor, service=service, activity=activity, parties=parties
            )
        result.count("updated" if changed else "unchanged", "raci")
    return result


def apply_text(session: Session, *, actor: Principal, text: str) -> ApplyResult:
    manifest, lines = parse(text)
    return apply(session, actor=actor, manifest=manifest, lines=lines)


# --- exporting ----------------------------------------------------------------------------


def _without_defaults(model: BaseModel, **extra: Any) -> dict[str, Any]:
    return {**model.model_dump(mode="json", exclude_defaults=True), **extra}


def export(session: Session) -> dict[str, Any]:
    """The whole catalog in the file format; applying it back changes nothing."""
    services = session.scalars(catalog.services_query(session).order_by("slug"))
    out: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "platforms": [
            _as_input(schemas.PlatformRead, schemas.PlatformCreate, p)
            for p in catalog.list_platforms(session)
        ],
        "squads": [
            _as_input(schemas.SquadRead, schemas.SquadCreate, s)
            for s in catalog.list_squads(session)
        ],
        "services": [
            _as_input(
                schemas.ServiceRead,
                schemas.ServiceCreate,
                s,
                depends_on=_depends_on(session, s.slug),
            )
            for s in services
        ],
        "journeys": [
            _as_input(schemas.JourneyRead, schemas.JourneyCreate, j)
            for j in catalog.list_journeys(session)
        ],
        "vendors": [
            _as_input(schemas.VendorRead, schemas.VendorCreate, v)
            for v in vendors.list_vendors(session)
        ],
        "raci": _export_raci(vendors.raci_matrix(session)),
    }
    return {k: v for k, v in out.items() if v}


def _as_input(
    read: type[BaseModel], create: type[BaseModel], record: Any, **extra: Any
) -> dict[str, Any]:
    """A stored record as the entry a catalog file would hold for it (defaults left out)."""
    fields = read.model_validate(record).model_dump(mode="json")
    wanted = {k: _drop_ids(v) for k, v in fields.items() if k in create.model_fields}
    return create.model_validate({**wanted, **extra}).model_dump(mode="json", exclude_defaults=True)


def _drop_ids(value: Any) -> Any:
    if isinstance(value, list):
        return [
            {k: v for k, v in item.items() if k != "id"} if isinstance(item, dict) else item
            for item in value
        ]
    return value


def _depends_on(session: Session, slug: str) -> list[str]:
    return [ref.slug for ref in catalog.dependencies(session, slug).depends_on]


def _export_raci(matrix: schemas.RaciMatrixRead) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for service, cells in matrix.rows.items():
        for activity, holders in cells.items():
            for cell in holders:
                grouped[(cell.party, cell.letter, activity)].append(service)
    by_party: dict[tuple[str, str, tuple[str, ...]], list[str]] = defaultdict(list)
    for (party, letter, activity), services in grouped.items():
        by_party[(party, letter, tuple(sorted(services)))].append(activity)
    entries = []
    for (party, letter, covered), activities in sorted(by_party.items()):
        kind, _, name = party.partition(":")
        entries.append(
            {
                kind: name,
                "letter": letter,
                "activities": sorted(activities),
                "services": list(covered),
            }
        )
    return entries


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
