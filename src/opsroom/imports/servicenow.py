"""Reading a ServiceNow incident export, pure: rows in, one record per incident out.

An export may hold one row per incident or, in the event-log form, one row per update of
an incident (in time order); the last row holds the incident as it ended. Dates are written
`D/M/YYYY HH:MM` in the instance's zone, empty fields as `?`, choices as `2 - Medium`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TextIO

REQUIRED = ("number", "incident_state", "opened_at", "impact", "urgency", "priority")
# ServiceNow state -> opsroom status
STATES = {
    "New": "triggered",
    "Active": "acknowledged",
    "Awaiting User Info": "acknowledged",
    "Awaiting Problem": "acknowledged",
    "Awaiting Vendor": "acknowledged",
    "Awaiting Evidence": "acknowledged",
    "Resolved": "resolved",
    "Closed": "closed",
}
EMPTY = {"", "?"}


class BadRow(ValueError):
    pass


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def text(self, name: str) -> str | None:
        value = (self.values.get(name) or "").strip()
        return None if value in EMPTY else value


@dataclass(frozen=True)
class Record:
    """One incident as ServiceNow ended it."""

    number: str
    lines: tuple[int, int]  # first and last line of its rows
    status: str
    impact: int
    urgency: int
    priority: int
    assignment_group: str | None
    category: str | None
    subcategory: str | None
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    reassignment_count: int
    made_sla: bool


@dataclass(frozen=True)
class Rejected:
    number: str | None
    line: int
    problem: str


@dataclass
class Parsed:
    records: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def rows(source: TextIO) -> Iterator[Row]:
    """The file's rows with the line each starts on (the header is line 1)."""
    reader = csv.DictReader(source)
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise BadRow(f"not a ServiceNow incident export: no column {', '.join(missing)}")
    line = reader.line_num + 1
    for values in reader:
        yield Row(line, values)
        line = reader.line_num + 1


def parse(source: TextIO, zone: tzinfo) -> Parsed:
    """Every incident of the export; an incident with any bad row is rejected whole."""
    parsed = Parsed()
    for number, group in _by_number(rows(source)):
        try:
            parsed.records.append(record(number, group, zone))
        except BadRow as exc:
            line, _, problem = str(exc).partition(": ")
            parsed.rejected.append(Rejected(number, int(line), problem))
    return parsed


def _by_number(all_rows: Iterable[Row]) -> Iterator[tuple[str, list[Row]]]:
    groups: dict[str, list[Row]] = {}
    for row in all_rows:
        groups.setdefault(row.text("number") or f"(no number, line {row.line})", []).append(row)
    yield from groups.items()


def record(number: str, group: list[Row], zone: tzinfo) -> Record:
    """The incident from its rows; BadRow("<line>: <problem>") names the first bad one."""
    for row in group:
        _check(row, zone)
    last = group[-1]
    opened = _date(last, "opened_at", zone)
    assert opened is not None
    resolved = _date(last, "resolved_at", zone)
    closed = _date(last, "closed_at", zone)
    status = STATES[last.text("incident_state") or ""]
    if status in ("resolved", "closed") and resolved is None:
        resolved = closed
    return Record(
        number=number,
        lines=(group[0].line, last.line),
        status=status,
        impact=_choice(last, "impact"),
        urgency=_choice(last, "urgency"),
        priority=_choice(last, "priority"),
        assignment_group=last.text("assignment_group"),
        category=last.text("category"),
        subcategory=last.text("subcategory"),
        opened_at=opened,
        acknowledged_at=_acknowledged(group, opened, resolved, zone),
        resolved_at=resolved,
        closed_at=closed if status == "closed" else None,
        reopen_count=_count(last, "reopen_count"),
        reassignment_count=_count(last, "reassignment_count"),
        made_sla=(last.text("made_sla") or "true").lower() == "true",
    )


def _check(row: Row, zone: tzinfo) -> None:
    if row.text("number") is None:
        raise BadRow(f"{row.line}: no incident number")
    if row.text("incident_state") not in STATES:
        raise BadRow(f"{row.line}: unknown incident_state '{row.text('incident_state')}'")
    if row.text("opened_at") is None:
        raise BadRow(f"{row.line}: opened_at is empty")
    for name in ("opened_at", "resolved_at", "closed_at", "sys_updated_at"):
        _date(row, name, zone)
    for name, top in (("impact", 3), ("urgency", 3), ("priority", 5)):
        if not 1 <= _choice(row, name) <= top:
            raise BadRow(f"{row.line}: {name} must be 1 to {top}")
    for name in ("reopen_count", "reassignment_count"):
        _count(row, name)


def _date(row: Row, name: str, zone: tzinfo) -> datetime | None:
    value = row.text(name)
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%d/%m/%Y %H:%M").replace(tzinfo=zone)
    except ValueError:
        raise BadRow(f"{row.line}: {name} '{value}' is not a date like 29/2/2016 01:16") from None


def _choice(row: Row, name: str) -> int:
    """'2 - Medium' -> 2."""
    value = row.text(name) or ""
    head = value.split(" - ", 1)[0].strip()
    if not head.isdigit():
        raise BadRow(f"{row.line}: {name} '{value}' is not a choice like '2 - Medium'")
    return int(head)


def _count(row: Row, name: str) -> int:
    value = row.text(name) or "0"
    if not value.isdigit():
        raise BadRow(f"{row.line}: {name} '{value}' is not a count")
    return int(value)


def _acknowledged(
    group: list[Row], opened: datetime, resolved: datetime | None, zone: tzinfo
) -> datetime | None:
    """When someone first took it on: the first update that left it no longer New (kept
    between opening and resolution)."""
    for row in group:
        updated = _date(row, "sys_updated_at", zone)
        if row.text("incident_state") != "New" and updated is not None:
            taken = max(updated, opened)
            return min(taken, resolved) if resolved else taken
    return resolved
