"""The register as a spreadsheet (CSV or XLSX) and back. A row with a key updates that risk,
a row without one raises a new risk; every row is checked, and a file with any bad row
changes nothing and names each bad row's line and field. Status, materialisation and
mitigations are exported to read, and change only through the register itself."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.infra.errors import OpsroomError, ValidationFailed
from opsroom.risks import reports, schemas
from opsroom.risks import service as risks
from opsroom.risks.domain import Affects, Assessment
from opsroom.risks.models import Risk
from opsroom.risks.records import affected, get, rating

LISTS = ("services", "journeys", "vendors")
TEXTS = ("title", "category", "owner_squad", "owner", "description", "causes", "consequences")
LEVELS = tuple(f"{a.value}_{axis}" for a in Assessment for axis in ("likelihood", "impact"))
COLUMNS = ("key", *TEXTS, *LISTS, *LEVELS, "treatment", "treatment_plan", "review_on", "reason")
READ_ONLY = ("status", "materialised", "downtime_hours")
SEPARATOR = ";"
MAX_ROWS = 10_000


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def format_of(filename: str) -> Format:
    """A register file's format, by its name's suffix."""
    try:
        return Format(filename.rpartition(".")[2].lower())
    except ValueError:
        raise ValidationFailed(
            f"{filename or 'the file'}: a register file is .csv or .xlsx",
            fields={"file": "a .csv or .xlsx file"},
        ) from None


@dataclass(frozen=True)
class Applied:
    raised: int
    updated: int
    unchanged: int


def _cells(risk: Risk) -> dict[str, Any]:
    row: dict[str, Any] = {"key": risk.key} | {name: getattr(risk, name) for name in TEXTS}
    row |= {name: SEPARATOR.join(affected(risk, _kind(name))) for name in LISTS}
    for a in Assessment:
        r = rating(risk, a)
        row |= {f"{a.value}_likelihood": r.likelihood, f"{a.value}_impact": r.impact}
    links = [lk for lk in risk.links if not lk.proposed]
    return row | {
        "treatment": risk.treatment,
        "treatment_plan": risk.treatment_plan,
        "review_on": risk.review_on.isoformat() if risk.review_on else "",
        "reason": "",
        "status": risk.status,
        "materialised": len(links),
        "downtime_hours": round(sum(lk.downtime_hours for lk in links), 2),
    }


def _kind(name: str) -> Affects:
    return Affects(name.removesuffix("s"))


def export(session: Session, *, actor: Principal, fmt: Format, **filters: Any) -> bytes:
    rows = [_cells(r) for r in reports.register(session, actor=actor, **filters)]
    header = [*COLUMNS, *READ_ONLY]
    table = [[row[c] if row[c] is not None else "" for c in header] for row in rows]
    if fmt is Format.CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([header, *table])
        return out.getvalue().encode()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "risks"
    for line in [header, *table]:
        sheet.append([str(v) if not isinstance(v, int | float) else v for v in line])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


# --- reading a file -----------------------------------------------------------------------


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("not UTF-8 text", fields={"file": "line 1: not UTF-8"}) from None
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error as exc:
        raise ValidationFailed(f"not readable as CSV: {exc}", fields={"file": str(exc)}) from None


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ValidationFailed("not an XLSX workbook", fields={"file": "not XLSX"}) from None
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield ["" if v is None else v for v in row]


def read_rows(content: bytes, fmt: Format) -> list[tuple[int, dict[str, Any]]]:
    """(line, row) for every non-blank row under the header, each cell by column name."""
    rows = _csv_rows(content) if fmt is Format.CSV else _xlsx_rows(content)
    header = [str(c).strip() for c in next(rows, [])]
    unknown = [c for c in header if c and c not in (*COLUMNS, *READ_ONLY)]
    missing = [c for c in ("title", "category", "owner_squad") if c not in header]
    if unknown or missing:
        problem = f"unknown columns {unknown}" if unknown else f"missing columns {missing}"
        raise ValidationFailed(f"line 1: {problem}", fields={"line 1": problem})
    found = [
        (line, {name: _text(value) for name, value in zip(header, row, strict=False) if name})
        for line, row in enumerate(rows, start=2)
        if any(_text(v) for v in row)
    ]
    if len(found) > MAX_ROWS:
        raise ValidationFailed(f"at most {MAX_ROWS} rows", fields={"file": "too many rows"})
    return found


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


# --- applying -----------------------------------------------------------------------------


def _fields(row: Mapping[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {name: row[name] for name in TEXTS if name in row}
    fields |= {
        name: [s.strip() for s in row[name].split(SEPARATOR) if s.strip()]
        for name in LISTS
        if name in row
    }
    for name in ("treatment", "treatment_plan", "review_on"):
        if row.get(name):
            fields[name] = row[name]
    return fields


def _levels(row: Mapping[str, str]) -> dict[str, str]:
    return {name: row[name] for name in LEVELS if row.get(name)}


def _raise(session: Session, actor: Principal, row: Mapping[str, str], known: risks.Lookups) -> str:
    data = schemas.RiskCreate.model_validate(_fields(row) | _levels(row))
    risks.create(session, actor=actor, data=data, lookups=known)
    return "raised"


def _as_cell(name: str, value: Any) -> Any:
    return SEPARATOR.join(value) if name in LISTS else value


def _update(
    session: Session, actor: Principal, row: Mapping[str, str], known: risks.Lookups
) -> str:
    risk = get(session, actor=actor, key=row["key"])
    before = _cells(risk)
    changed = {
        name: value
        for name, value in _fields(row).items()
        if _as_cell(name, value) != str(before[name] or "")
    }
    if changed:
        data = schemas.RiskUpdate.model_validate(changed | {"version": risk.version})
        risks.update(session, actor=actor, key=risk.key, data=data, lookups=known)
    for assessment in Assessment:
        _rescore(session, actor, risk, assessment, row, known)
    return "unchanged" if _cells(risk) == before else "updated"


def _rescore(
    session: Session,
    actor: Principal,
    risk: Risk,
    assessment: Assessment,
    row: Mapping[str, str],
    known: risks.Lookups,
) -> None:
    name = assessment.value
    wanted = {axis: row.get(f"{name}_{axis}", "") for axis in ("likelihood", "impact")}
    current = rating(risk, assessment)
    if not all(wanted.values()) or wanted == {
        "likelihood": str(current.likelihood),
        "impact": str(current.impact),
    }:
        return
    data = schemas.ScoreIn.model_validate(
        wanted
        | {"version": risk.version, "assessment": assessment, "reason": row.get("reason", "")}
    )
    risks.score(session, actor=actor, key=risk.key, data=data, lookups=known)


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors()
        )
    assert isinstance(exc, OpsroomError)
    named = "; ".join(f"{f}: {m}" for f, m in exc.fields.items())
    return named or exc.message


def apply(session: Session, *, actor: Principal, content: bytes, fmt: Format) -> Applied:
    """Apply the whole file or nothing: each bad row is named by its line and fields."""
    require(actor, Action.WORK_INCIDENTS)
    counts = {"raised": 0, "updated": 0, "unchanged": 0}
    errors: dict[str, str] = {}
    known = risks.Lookups()
    for line, row in read_rows(content, fmt):
        try:
            with session.begin_nested():
                change = _update if row.get("key") else _raise
                outcome = change(session, actor, row, known)
            counts[outcome] += 1
        except (OpsroomError, ValidationError) as exc:
            errors[f"line {line}"] = _problem(exc)
    if errors:
        first, problem = next(iter(errors.items()))
        more = f" (and {len(errors) - 1} more bad rows)" if len(errors) > 1 else ""
        raise ValidationFailed(f"{first}: {problem}{more}; nothing was imported", fields=errors)
    return Applied(**counts)
