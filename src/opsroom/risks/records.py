"""Finding a risk, how its changes are audited, and each platform's register settings (its
matrix, categories and the cost of downtime) as a settings document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from opsroom.audit.documents import Document
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import keys
from opsroom.infra.errors import NotFound
from opsroom.risks import domain, schemas
from opsroom.risks.domain import Assessment, Band, Matrix, Rating, RiskSettings
from opsroom.risks.models import Risk

PREFIX = "RSK"
SUBJECT = "risk"
SETTINGS = "risk_settings"


def get(session: Session, *, actor: Principal, key: str) -> Risk:
    require(actor, Action.READ)
    query = select(Risk).options(
        selectinload(Risk.affected), selectinload(Risk.links), selectinload(Risk.scores)
    )
    return keys.find(session, query, Risk.number, key, PREFIX, "risk")


def rating(risk: Risk, assessment: Assessment) -> Rating:
    name = assessment.value
    return Rating(getattr(risk, f"{name}_likelihood"), getattr(risk, f"{name}_impact"))


def affected(risk: Risk, kind: domain.Affects) -> list[str]:
    return [a.slug for a in risk.affected if a.kind == kind]


def snapshot(risk: Risk) -> dict[str, Any]:
    fields = ("title", "category", "owner", "owner_squad", "treatment", "status", "review_on")
    scores = {a.value: rating(risk, a).score for a in Assessment}
    return (
        {name: getattr(risk, name) for name in fields}
        | scores
        | {
            "accepted_until": risk.accepted_until,
            "affected": [f"{a.kind}:{a.slug}" for a in risk.affected],
            "links": [
                f"{domain.EVIDENCE_PREFIX[domain.Evidence(lk.kind)]}-{lk.number}"
                for lk in risk.links
            ],
        }
    )


RISK = Record(SUBJECT, snapshot)


# --- the register's settings, per platform ------------------------------------------------


def to_rules(doc: schemas.RiskSettingsDoc) -> RiskSettings:
    matrix = Matrix(
        likelihood=tuple(doc.likelihood),
        impact=tuple(doc.impact),
        bands=tuple(Band(b.up_to, b.label, b.colour) for b in doc.bands),
        appetite=doc.appetite,
        annual_rate=tuple(doc.annual_rate),
    )
    domain.check_matrix(matrix)
    return RiskSettings(
        matrix=matrix,
        categories=tuple(doc.categories),
        journey_cost_per_hour=tuple(sorted(doc.journey_cost_per_hour.items())),
        default_cost_per_hour=doc.default_cost_per_hour,
        impact_hours=doc.impact_hours,
    )


def to_doc(rules: RiskSettings) -> schemas.RiskSettingsDoc:
    m = rules.matrix
    return schemas.RiskSettingsDoc(
        likelihood=list(m.likelihood),
        impact=list(m.impact),
        bands=[schemas.BandDoc(up_to=b.up_to, label=b.label, colour=b.colour) for b in m.bands],
        appetite=m.appetite,
        annual_rate=list(m.annual_rate),
        categories=list(rules.categories),
        journey_cost_per_hour=dict(rules.journey_cost_per_hour),
        default_cost_per_hour=rules.default_cost_per_hour,
        impact_hours=rules.impact_hours,
    )


RISK_SETTINGS = Document(
    key=SETTINGS,
    title="the risk settings",
    subject_type=SETTINGS,
    subject_key="settings",
    written=schemas.RiskSettingsDoc,
    stamped=schemas.RiskSettingsRead,
    defaults=domain.DEFAULT_SETTINGS,
    to_rules=to_rules,
    to_written=to_doc,
)


def settings_of(session: Session, platform: str) -> RiskSettings:
    return RISK_SETTINGS.rules(session, platform)


def _platform(session: Session, platform: str) -> str:
    try:
        return catalog.get_platform(session, platform).slug
    except NotFound as exc:
        raise NotFound(f"no platform '{platform}'") from exc


def read_settings(session: Session, *, actor: Principal, platform: str) -> schemas.RiskSettingsRead:
    require(actor, Action.READ)
    return RISK_SETTINGS.read(session, _platform(session, platform))


def replace_settings(
    session: Session, *, actor: Principal, platform: str, doc: schemas.RiskSettingsDoc, version: int
) -> schemas.RiskSettingsRead:
    """Replace a platform's matrix and register settings (operations managers). A matrix
    smaller than the levels its risks' scores use is refused, naming those risks."""
    scope = _platform(session, platform)
    require(actor, Action.GOVERN, platforms=[scope])

    def vet(_before: RiskSettings, after: RiskSettings) -> None:
        domain.check_matrix_fits(after.matrix, _ratings_in_use(session, scope))

    return RISK_SETTINGS.replace(
        session, actor=actor, written=doc, version=version, vet=vet, scope=scope
    )


def _ratings_in_use(session: Session, platform: str) -> dict[str, list[Rating]]:
    """Every risk of the platform, closed ones included, by key: its three ratings."""
    found = session.scalars(
        select(Risk).where(Risk.platform_slug == platform).order_by(Risk.number)
    )
    return {risk.key: [rating(risk, a) for a in Assessment] for risk in found}
