"""The burn-rate table as a settings document: the multi-window conditions that raise
burn-rate alerts, the SRE workbook's by default. The installation's, which a platform may
override; an SLO is alerted on by its platform's table."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE, Document
from opsroom.audit.schemas import Stamp
from opsroom.catalog import service as catalog
from opsroom.slos.domain import (
    DEFAULT_CONDITIONS,
    EVALUATE_EVERY,
    BurnCondition,
    Severity,
    duration,
    spelled,
)

Table = tuple[BurnCondition, ...]
LONGEST = duration("30d")
MOST_ROWS = 8


class ConditionDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    factor: float = Field(gt=0, le=1000, description="how many times too fast, e.g. 14.4")
    long: str = Field(description="the window that says it matters, e.g. 1h")
    short: str = Field(description="the window that says it is still happening, e.g. 5m")
    severity: Severity = Field(description="page someone, or open a ticket")

    @field_validator("long", "short")
    @classmethod
    def _duration(cls, text: str) -> str:
        length = duration(text)
        if not EVALUATE_EVERY <= length <= LONGEST:
            raise ValueError(
                f"between {spelled(EVALUATE_EVERY)} (how often budgets are evaluated) "
                f"and {spelled(LONGEST)}"
            )
        return spelled(length)

    @model_validator(mode="after")
    def _short_within_long(self) -> ConditionDoc:
        if duration(self.short) >= duration(self.long):
            raise ValueError("the short window must be shorter than the long one")
        return self


class BurnRatesDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conditions: list[ConditionDoc] = Field(
        min_length=1,
        max_length=MOST_ROWS,
        description="the conditions, each firing when the budget burned `factor` times too "
        "fast over both its windows",
    )

    @field_validator("conditions")
    @classmethod
    def _distinct(cls, rows: list[ConditionDoc]) -> list[ConditionDoc]:
        names = [to_condition(row).name for row in rows]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"the same condition twice: {', '.join(repeated)}")
        return rows


class BurnRatesRead(BurnRatesDoc, Stamp):
    """The burn-rate table as read, with its stamp."""


def to_condition(row: ConditionDoc) -> BurnCondition:
    return BurnCondition(row.factor, duration(row.long), duration(row.short), row.severity)


def to_rules(doc: BurnRatesDoc) -> Table:
    return tuple(to_condition(row) for row in doc.conditions)


def to_doc(table: Table) -> BurnRatesDoc:
    return BurnRatesDoc(
        conditions=[
            ConditionDoc(
                factor=c.factor, long=spelled(c.long), short=spelled(c.short), severity=c.severity
            )
            for c in table
        ]
    )


BURN_RATES = Document(
    key="slo_burn_rates",
    title="the burn-rate alert table",
    subject_type="slo_burn_rates",
    subject_key="installation",
    written=BurnRatesDoc,
    stamped=BurnRatesRead,
    defaults=DEFAULT_CONDITIONS,
    to_rules=to_rules,
    to_written=to_doc,
)


def burn_table(session: Session, platform: str = EVERYWHERE) -> Table:
    """The burn-rate conditions in force on `platform`."""
    return BURN_RATES.rules(session, platform)


def tables(session: Session, platforms: Iterable[str]) -> dict[str, Table]:
    """Each platform's burn-rate table."""
    return {p: burn_table(session, p) for p in set(platforms)}


def every_table(session: Session) -> list[Table]:
    """The installation's table and every platform's."""
    found = tables(session, (p.slug for p in catalog.list_platforms(session)))
    return [burn_table(session), *found.values()]
