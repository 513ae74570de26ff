"""Importing the ServiceNow sample export, checked against the file read independently here."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.imports import service as imports
from opsroom.imports.schemas import ImportResult
from opsroom.incidents import service as incidents
from opsroom.incidents.schemas import IncidentSummary
from opsroom.infra.errors import Forbidden, ValidationFailed
from opsroom.infra.stats import median
from opsroom.kpis import domain
from opsroom.kpis import service as kpis
from tests import factories
from tests.factories import ACTOR

SAMPLE = Path(__file__).parents[2] / "payloads" / "servicenow" / "incident_event_log_sample.csv.gz"
TEXT = gzip.decompress(SAMPLE.read_bytes()).decode()
# The first hundred rows: enough for the tests of a single incident's fate.
SMALL = "\n".join(TEXT.splitlines()[:101]) + "\n"
ALL_TIME = domain.parse_period("2010-01-01..2030-12-31")


def _rows(text: str = TEXT) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _final(text: str = TEXT) -> dict[str, dict[str, str]]:
    """The last row of each incident: how it ended."""
    return {row["number"]: row for row in _rows(text)}


def _when(value: str) -> datetime:
    day, month, rest = value.split("/", 2)
    year, clock_time = rest.split(" ")
    hour, minute = clock_time.split(":")
    return datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=UTC)


def _import(session: Session, text: str = TEXT, zone: str = "UTC") -> ImportResult:
    return imports.import_servicenow(
        session, actor=ACTOR, source=io.StringIO(text), zone=ZoneInfo(zone), platform="procurement"
    )


def _imported(session: Session) -> dict[str, IncidentSummary]:
    page = incidents.search(session, actor=ACTOR, limit=500)
    return {i.title.split(":")[0]: incidents.summary(i) for i in page.items}


@pytest.fixture
def platform(session: Session) -> Session:
    factories.platform(session)
    return session


def test_every_incident_arrives_once_with_its_priority_and_times(platform: Session) -> None:
    final = _final()
    result = _import(platform)
    assert (result.created, result.rejected) == (len(final), [])
    found = _imported(platform)
    assert set(found) == set(final)
    expected_priorities = Counter(f"P{row['priority'][0]}" for row in final.values())
    assert Counter(i.priority for i in found.values()) == expected_priorities
    for number, row in final.items():
        assert found[number].detected_at == _when(row["opened_at"])
        assert found[number].status == "closed"


def test_assignment_groups_become_squads_engaged_on_their_incidents(platform: Session) -> None:
    final = _final()
    groups = {row["assignment_group"] for row in final.values() if row["assignment_group"] != "?"}
    result = _import(platform)
    assert sorted(result.squads_created) == sorted(g.lower().replace(" ", "-") for g in groups)
    assert catalog.get_squad(platform, "group-56").name == "Group 56"
    report = kpis.report(platform, actor=ACTOR, period=ALL_TIME)
    by_squad = {g.key: g.incidents for g in report.by_squad}
    expected = Counter(
        row["assignment_group"].lower().replace(" ", "-")
        for row in final.values()
        if row["assignment_group"] != "?"
    )
    assert by_squad == expected


def test_resolution_times_feed_the_kpis(platform: Session) -> None:
    final = _final()
    durations = [
        (
            _when(row["resolved_at"] if row["resolved_at"] != "?" else row["closed_at"])
            - _when(row["opened_at"])
        ).total_seconds()
        for row in final.values()
    ]
    _import(platform)
    report = kpis.report(platform, actor=ACTOR, period=ALL_TIME)
    assert report.overall.incidents == len(final)
    assert report.overall.times["mttr"].count == len(durations)
    assert report.overall.times["mttr"].mean == pytest.approx(
        sum(durations) / len(durations), abs=0.01
    )
    assert report.overall.times["mttr"].median == pytest.approx(median(sorted(durations)), abs=0.01)
    assert {s.key: s.incidents for s in report.by_source} == {"servicenow": len(final)}


def test_running_it_again_updates_instead_of_duplicating(platform: Session) -> None:
    _import(platform, SMALL)
    again = _import(platform, SMALL)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(_final(SMALL)))
    first = next(iter(_final(SMALL)))
    rows = _rows(SMALL)
    last = max(i for i, row in enumerate(rows) if row["number"] == first)
    changed = SMALL.splitlines()
    changed[last + 1] = changed[last + 1].replace("3 - Moderate", "1 - Critical")
    result = _import(platform, "\n".join(changed))
    assert (result.created, result.updated) == (0, 1)
    assert _imported(platform)[first].priority == "P1"
    assert len(_imported(platform)) == len(_final(SMALL))


def test_an_incident_with_a_bad_row_is_skipped_whole_and_named_by_line(platform: Session) -> None:
    lines = SMALL.splitlines()
    first = _rows()[0]["number"]
    lines[2] = lines[2].replace("29/2/2016 01:16", "29/02/2016 1h16", 1)  # its second row
    result = _import(platform, "\n".join(lines))
    assert [(r.line, r.number) for r in result.rejected] == [(3, first)]
    assert "opened_at '29/02/2016 1h16' is not a date" in result.rejected[0].problem
    assert result.created == len(_final(SMALL)) - 1
    assert first not in _imported(platform)


def test_an_incident_whose_times_contradict_each_other_is_skipped(platform: Session) -> None:
    lines = SMALL.splitlines()
    # closed before it was opened
    lines[4] = lines[4].rsplit(",", 1)[0] + ",1/1/2016 00:00"
    result = _import(platform, "\n".join(lines))
    assert [r.line for r in result.rejected] == [2]
    assert "before" in result.rejected[0].problem


def test_times_are_read_in_the_instances_zone(platform: Session) -> None:
    _import(platform, SMALL, zone="Europe/Amsterdam")
    number, row = next(iter(_final().items()))
    assert _imported(platform)[number].detected_at == _when(row["opened_at"]) - (
        _when(row["opened_at"]).replace(tzinfo=ZoneInfo("Europe/Amsterdam")).utcoffset()
    )


def test_a_file_that_is_not_an_export_is_refused(platform: Session) -> None:
    with pytest.raises(ValidationFailed, match="no column"):
        _import(platform, "name,age\nann,3\n")


def test_only_operations_managers_import(platform: Session) -> None:
    responder = Principal(name="r", role=Role.RESPONDER, via="cli")
    with pytest.raises(Forbidden):
        imports.import_servicenow(platform, actor=responder, source=io.StringIO(SMALL), zone=UTC)
