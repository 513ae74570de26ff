from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import ValidationFailed
from opsroom.risks import reports, schemas
from opsroom.risks import service as risks
from opsroom.risks.interchange import COLUMNS, Format, apply, export
from tests.improvement import RESPONDER, two_squads


def raise_two(session: Session) -> None:
    two_squads(session)
    for n in (1, 2):
        data = schemas.RiskCreate(
            title=f"Risk number {n}",
            category="availability",
            owner_squad="payments",
            inherent_likelihood=n + 2,
            inherent_impact=4,
            services=["checkout"],
            review_on="2026-12-01",
        )
        risks.create(session, actor=RESPONDER, data=data)


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    raise_two(session)
    return session


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def summaries(session: Session) -> list[Any]:
    return [reports.summary(session, r) for r in reports.register(session, actor=RESPONDER)]


@pytest.mark.parametrize("fmt", list(Format))
def test_an_exported_register_imports_back_unchanged(platform: Session, fmt: Format) -> None:
    content = export(platform, actor=RESPONDER, fmt=fmt)
    before = summaries(platform)
    assert apply(platform, actor=RESPONDER, content=content, fmt=fmt).unchanged == 2
    assert summaries(platform) == before


def test_edited_rows_update_their_risk_and_rows_without_a_key_raise_one(platform: Session) -> None:
    rows = rows_of(export(platform, actor=RESPONDER, fmt=Format.CSV))
    assert (rows[0]["key"], rows[0]["services"], rows[0]["status"]) == (
        "RSK-1",
        "checkout",
        "identified",
    )
    rows[0] |= {"title": "Risk number one", "current_likelihood": "2", "reason": "replica added"}
    rows.append(
        dict.fromkeys(rows[0], "")
        | {
            "title": "New from a sheet",
            "category": "people",
            "owner_squad": "identity",
            "inherent_likelihood": "2",
            "inherent_impact": "2",
        }
    )
    applied = apply(platform, actor=RESPONDER, content=as_csv(rows), fmt=Format.CSV)
    assert (applied.raised, applied.updated, applied.unchanged) == (1, 1, 1)
    first, _, new = summaries(platform)
    assert (first.title, first.current.score) == ("Risk number one", 8)
    assert (new.key, new.platform, new.current.score) == ("RSK-3", "procurement", 4)


def test_a_file_with_bad_rows_names_each_line_and_field_and_changes_nothing(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        raise_two(s)
        rows = rows_of(export(s, actor=RESPONDER, fmt=Format.CSV))
        before = summaries(s)
    rows[0] |= {"current_likelihood": "1"}  # a drop without a reason
    rows[1] |= {"title": "Fine change"}
    blank = dict.fromkeys(rows[0], "")
    rows.append(
        blank
        | {
            "title": "Off the matrix",
            "category": "data",
            "owner_squad": "payments",
            "inherent_likelihood": "7",
            "inherent_impact": "1",
        }
    )
    rows.append(
        blank
        | {
            "title": "Nobody's",
            "category": "data",
            "owner_squad": "ghosts",
            "inherent_likelihood": "1",
            "inherent_impact": "1",
        }
    )
    with pytest.raises(ValidationFailed) as refused, session_scope(settings) as s:
        apply(s, actor=RESPONDER, content=as_csv(rows), fmt=Format.CSV)
    assert refused.value.fields == {
        "line 2": "reason: required when the current score drops",
        "line 4": "inherent_likelihood: 1 to 5 on this platform's matrix",
        "line 5": "owner_squad: unknown squad 'ghosts'",
    }
    assert refused.value.message.startswith("line 2: reason: required")
    with session_scope(settings, write=False) as s:
        assert summaries(s) == before


def test_a_file_with_unknown_columns_is_refused_on_line_one(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        apply(platform, actor=RESPONDER, content=b"title,colour\nx,red\n", fmt=Format.CSV)
    assert refused.value.fields == {"line 1": "unknown columns ['colour']"}


def test_a_thousand_row_workbook_imports_in_one_go(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    two_squads(session)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["title", "category", "owner_squad", "services", "inherent_likelihood", "inherent_impact"]
    )
    for n in range(1000):
        sheet.append(
            [f"Imported risk {n}", "capacity", "payments", "checkout", n % 5 + 1, n % 3 + 1]
        )
    data = io.BytesIO()
    book.save(data)
    applied = apply(session, actor=RESPONDER, content=data.getvalue(), fmt=Format.XLSX)
    assert applied.raised == 1000
    exported = load_workbook(io.BytesIO(export(session, actor=RESPONDER, fmt=Format.XLSX)))
    rows = list(exported.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1001 and rows[0][: len(COLUMNS)] == COLUMNS
    assert rows[1000][1] == "Imported risk 999"


def test_a_file_that_is_not_a_register_is_refused(platform: Session) -> None:
    header = b"title,category,owner_squad\n"
    with pytest.raises(ValidationFailed) as refused:
        apply(platform, actor=RESPONDER, content=header + b'"' + b"a" * 200_000, fmt=Format.CSV)
    assert "file" in refused.value.fields
    with pytest.raises(ValidationFailed) as nul:
        apply(
            platform, actor=RESPONDER, content=header + b"Bad\x00,data,payments\n", fmt=Format.CSV
        )
    assert list(nul.value.fields) == ["line 2"]
    with pytest.raises(ValidationFailed):
        apply(platform, actor=RESPONDER, content=b"PK not a workbook", fmt=Format.XLSX)
