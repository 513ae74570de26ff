"""OpenSLO v1 (https://github.com/OpenSLO/OpenSLO): SLOs as `SLO`, `SLI`, `AlertPolicy`
and `AlertCondition` documents in one multi-document YAML file. Applying a file sets or
changes every SLO it describes, all or nothing, each error named with its line; exporting
writes every SLO so that applying the export changes nothing. docs/slos.md lists the
fields read; any other is refused by name."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.infra import yamlfile
from opsroom.infra.errors import OpsroomError, ValidationFailed
from opsroom.infra.yamlfile import Lines, Path, failure
from opsroom.slos import domain, schemas
from opsroom.slos import service as slos
from opsroom.slos.burn_table import Table, burn_table, every_table
from opsroom.slos.domain import (
    BudgetWindow,
    Severity,
    SliKind,
    SliSource,
    duration,
)
from opsroom.slos.models import Slo
from opsroom.slos.openslo_documents import (
    DOCUMENTS,
    ConditionDocument,
    ConditionSpec,
    Document,
    Metric,
    Objective,
    PolicyDocument,
    PolicySpec,
    RatioMetric,
    SliDocument,
    SliSpec,
    SloDocument,
    SloSpec,
    SourceSpec,
    TimeWindow,
)

API_VERSION = "openslo/v1"
KINDS = ("SLO", "SLI", "AlertPolicy", "AlertCondition")
# opsroom's own facts about an SLO, which OpenSLO has no field for.
SQUAD = "opsroom.io/owner-squad"
OWNER = "opsroom.io/owner"
# "journey" when spec.service names one of opsroom's journeys.
SUBJECT = "opsroom.io/subject"
# The metric sources besides Prometheus: counts pushed to opsroom, opsroom's incidents.
PUSHED = "opsroom-pushed"
INCIDENTS = "opsroom-incidents"
POLICY = "opsroom-burn-rates"
WINDOWS = {
    ("28d", True): BudgetWindow.ROLLING_28D,
    ("30d", True): BudgetWindow.ROLLING_30D,
    ("1M", False): BudgetWindow.CALENDAR_MONTH,
}


# --- reading a file -------------------------------------------------------------------------


@dataclass
class Parsed:
    """A file's documents by kind and name, each with its index in the file."""

    slos: list[tuple[int, SloDocument]] = field(default_factory=list)
    slis: dict[str, SliSpec] = field(default_factory=dict)
    policies: dict[str, tuple[int, PolicySpec]] = field(default_factory=dict)
    conditions: dict[str, tuple[int, ConditionSpec]] = field(default_factory=dict)


def _validated(index: int, raw: Any) -> Document:
    if not isinstance(raw, dict):
        raise ValueError("a document is a mapping with apiVersion, kind, metadata and spec")
    kind = raw.get("kind")
    if kind not in DOCUMENTS:
        raise ValidationFailed(f"kind '{kind}' is not supported: one of {', '.join(KINDS)}")
    return DOCUMENTS[kind].model_validate(raw)


def parse(text: str) -> tuple[Parsed, Lines]:
    raws, lines = yamlfile.load_all(text)
    parsed, problems = Parsed(), []
    for index, raw in enumerate(raws):
        try:
            _add(parsed, index, _validated(index, raw))
        except ValidationError as exc:
            problems += [((index, *e["loc"]), e["msg"]) for e in exc.errors()]
        except (ValueError, ValidationFailed) as exc:
            problems.append(((index, "kind"), getattr(exc, "message", str(exc))))
    if not raws:
        problems.append(((), "no OpenSLO document in the file"))
    if problems:
        raise failure(lines, problems)
    return parsed, lines


def _add(parsed: Parsed, index: int, document: Document) -> None:
    name = document.metadata.name
    if isinstance(document, SloDocument):
        parsed.slos.append((index, document))
    elif isinstance(document, SliDocument):
        parsed.slis[name] = document.spec
    elif isinstance(document, PolicyDocument):
        parsed.policies[name] = (index, document.spec)
    elif isinstance(document, ConditionDocument):
        parsed.conditions[name] = (index, document.spec)


class Refused(Exception):
    """A document says something opsroom does not do: where (within the file) and why."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def _window(at: Path, chosen: TimeWindow) -> BudgetWindow:
    window = WINDOWS.get((chosen.duration, chosen.is_rolling))
    if window is not None:
        if chosen.calendar and chosen.calendar.get("timeZone", "UTC") != "UTC":
            raise Refused((*at, "calendar", "timeZone"), "calendar months are counted in UTC")
        return window
    if chosen.duration != "1M":
        try:
            duration(chosen.duration)
        except ValueError as exc:
            raise Refused((*at, "duration"), str(exc)) from None
    raise Refused((*at, "duration"), "a window is 28d or 30d rolling, or 1M calendar")


def _objective(at: Path, objective: Objective) -> float:
    if (objective.target is None) == (objective.target_percent is None):
        raise Refused(at, "give target (e.g. 0.999) or targetPercent (e.g. 99.9)")
    if objective.target is not None:
        return round(objective.target * 100, 9)
    assert objective.target_percent is not None
    return objective.target_percent


def _indicator(at: Path, spec: SloSpec, slis: dict[str, SliSpec]) -> tuple[Path, SliSpec]:
    if spec.indicator is not None and spec.indicator_ref is not None:
        raise Refused((*at, "indicatorRef"), "give indicator or indicatorRef, not both")
    if spec.indicator is not None:
        return (*at, "indicator", "spec"), spec.indicator.spec
    if spec.indicator_ref is None:
        raise Refused((*at, "indicator"), "an SLO names its SLI: indicator or indicatorRef")
    if spec.indicator_ref not in slis:
        raise Refused((*at, "indicatorRef"), f"no SLI named '{spec.indicator_ref}' in the file")
    return (*at, "indicatorRef"), slis[spec.indicator_ref]


def _prometheus(source: SourceSpec) -> dict[str, Any]:
    return {
        "prometheus_url": source.url,
        "prometheus_auth": source.auth,
        "prometheus_username": source.username,
    }


def _ratio(at: Path, metric: RatioMetric) -> dict[str, Any]:
    good, total = metric.good.metric_source, metric.total.metric_source
    if good.type != total.type or good.type == INCIDENTS:
        message = f"good and total are both Prometheus or both {PUSHED}"
        raise Refused((*at, "ratioMetric", "total", "metricSource", "type"), message)
    if good.type == PUSHED:
        return {"sli": SliKind.RATIO, "source": SliSource.PUSHED}
    if good.spec.model_dump(exclude={"query"}) != total.spec.model_dump(exclude={"query"}):
        message = "good and total are read from the same Prometheus"
        raise Refused((*at, "ratioMetric", "total", "metricSource", "spec"), message)
    return {
        "sli": SliKind.RATIO,
        "source": SliSource.PROMETHEUS,
        "good_query": good.spec.query,
        "total_query": total.spec.query,
        **_prometheus(good.spec),
    }


def _threshold(at: Path, metric: Metric, objective: Objective) -> dict[str, Any]:
    source = metric.metric_source
    if source.type == INCIDENTS:
        return {"sli": SliKind.INCIDENTS, "worst_priority": source.spec.worst_priority}
    if objective.op is None or objective.value is None:
        message = "a threshold SLI's objective gives op (lt) and value (seconds)"
        raise Refused((*at[:1], "spec", "objectives", 0), message)
    if source.type == PUSHED:
        return {"sli": SliKind.THRESHOLD, "source": SliSource.PUSHED, "threshold": objective.value}
    return {
        "sli": SliKind.THRESHOLD,
        "source": SliSource.PROMETHEUS,
        "histogram": source.spec.histogram,
        "threshold": objective.value,
        **_prometheus(source.spec),
    }


def _sli(at: Path, sli: SliSpec, objective: Objective) -> dict[str, Any]:
    if (sli.ratio_metric is None) == (sli.threshold_metric is None):
        raise Refused(at, "an SLI has a ratioMetric or a thresholdMetric")
    if sli.ratio_metric is not None:
        return _ratio(at, sli.ratio_metric)
    assert sli.threshold_metric is not None
    return _threshold((*at, "thresholdMetric"), sli.threshold_metric, objective)


def _fields(index: int, document: SloDocument, parsed: Parsed) -> dict[str, Any]:
    """The SLO a document describes, as opsroom's own fields."""
    meta, spec = document.metadata, document.spec
    if SQUAD not in meta.annotations:
        raise Refused((index, "metadata", "annotations"), f"{SQUAD} names the owning squad")
    at, sli = _indicator((index, "spec"), spec, parsed.slis)
    for name in spec.alert_policies:
        if name not in parsed.policies:
            raise Refused((index, "spec", "alertPolicies"), f"no AlertPolicy named '{name}'")
    subject = "journey" if meta.annotations.get(SUBJECT) == "journey" else "service"
    return {
        "name": meta.display_name or meta.name,
        "description": spec.description,
        subject: spec.service,
        "objective": _objective((index, "spec", "objectives", 0), spec.objectives[0]),
        "window": _window((index, "spec", "timeWindow", 0), spec.time_window[0]),
        "owner_squad": meta.annotations[SQUAD],
        "owner": meta.annotations.get(OWNER, ""),
        **_sli(at, sli, spec.objectives[0]),
    }


def _check_alerting(parsed: Parsed, in_force: Sequence[Table]) -> None:
    """Alert conditions are opsroom's burn-rate tables (the installation's and the
    platforms'): a file may name their rows, and policies may group them; another condition
    is refused."""
    table = {_row(c): c for t in in_force for c in t}
    for index, spec in parsed.conditions.values():
        found = spec.condition
        try:
            row = (found.threshold, duration(found.lookback_window), duration(found.alert_after))
        except ValueError as exc:
            raise Refused((index, "spec", "condition"), str(exc)) from None
        if (*row, spec.severity) not in table:
            rows = ", ".join(dict.fromkeys(c.name for c in table.values()))
            message = f"not a row of opsroom's burn-rate tables ({rows})"
            raise Refused((index, "spec", "condition", "threshold"), message)
    for index, policy in parsed.policies.values():
        for n, ref in enumerate(policy.conditions):
            if ref.condition_ref not in parsed.conditions:
                message = f"no AlertCondition named '{ref.condition_ref}'"
                raise Refused((index, "spec", "conditions", n, "conditionRef"), message)


def _row(condition: Any) -> tuple[float, timedelta, timedelta, Severity]:
    return condition.factor, condition.long, condition.short, condition.severity


# --- applying ---------------------------------------------------------------------------------

# Where an opsroom field is in an SLO document, for the errors of setting it.
FIELD_PATHS: dict[str, Path] = {
    "name": ("metadata", "displayName"),
    "service": ("spec", "service"),
    "journey": ("spec", "service"),
    "objective": ("spec", "objectives", 0),
    "owner_squad": ("metadata", "annotations", SQUAD),
    "owner": ("metadata", "annotations", OWNER),
    "description": ("spec", "description"),
}


@contextmanager
def _located(lines: Lines, index: int | None = None) -> Iterator[None]:
    """Errors while applying a document, named with their place in the file."""
    try:
        yield
    except Refused as exc:
        raise failure(lines, [(exc.path, exc.message)]) from exc
    except ValidationError as exc:
        problems = [(_place(index, str(e["loc"][0])), e["msg"]) for e in exc.errors()]
        raise failure(lines, problems) from exc
    except OpsroomError as exc:
        problems = [(_place(index, f), message) for f, message in exc.fields.items()]
        raise failure(lines, problems or [(_place(index, ""), exc.message)]) from exc


def _place(index: int | None, opsroom_field: str) -> Path:
    start: Path = () if index is None else (index,)
    return (*start, *FIELD_PATHS.get(opsroom_field, ("spec", "indicator")))


class Applied(BaseModel):
    """What applying a file did, by SLO key."""

    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []


def _named(session: Session, name: str) -> Slo | None:
    by_key = re.fullmatch(r"slo-(\d+)", name)
    named = Slo.openslo_name == name
    if by_key:
        named = or_(named, Slo.number == int(by_key[1]))
    return session.scalars(select(Slo).where(named)).first()


def _current(slo: Slo) -> dict[str, Any]:
    """The SLO as the fields a document sets."""
    return schemas.SloCreate.model_validate(
        {
            "name": slo.name,
            "description": slo.description,
            "service": slo.service_slug,
            "journey": slo.journey_slug,
            "objective": slo.objective,
            "window": slo.window,
            "sli": slo.sli_kind,
            "source": slo.sli_source,
            "prometheus_url": slo.prometheus_url,
            "good_query": slo.good_query,
            "total_query": slo.total_query,
            "histogram": slo.histogram,
            "threshold": slo.threshold,
            "prometheus_auth": slo.prometheus_auth,
            "prometheus_username": slo.prometheus_username,
            "owner": slo.owner,
            "owner_squad": slo.owner_squad,
            "worst_priority": slo.worst_priority,
        }
    ).model_dump(mode="json")


def _apply_one(
    session: Session, actor: Principal, name: str, wanted: schemas.SloCreate, done: Applied
) -> None:
    existing = _named(session, name)
    if existing is None:
        created = slos.create(session, actor=actor, data=wanted)
        created.openslo_name = name
        done.created.append(created.key)
        return
    current, fields = _current(existing), wanted.model_dump(mode="json")
    changes = {k: fields[k] for k in wanted.model_fields_set if fields[k] != current[k]}
    if not changes:
        done.unchanged.append(existing.key)
        return
    data = schemas.SloUpdate.model_validate({"version": existing.version, **changes})
    slos.update(session, actor=actor, key=existing.key, data=data)
    done.updated.append(existing.key)


def apply_text(session: Session, *, actor: Principal, text: str) -> Applied:
    """Set or change every SLO the file describes; on the first problem nothing is kept
    (the caller's transaction rolls back)."""
    require(actor, Action.EDIT_SQUAD_ITEMS)
    parsed, lines = parse(text)
    done = Applied()
    with _located(lines):
        _check_alerting(parsed, every_table(session))
    for index, document in parsed.slos:
        with _located(lines, index):
            wanted = schemas.SloCreate.model_validate(_fields(index, document, parsed))
            _apply_one(session, actor, document.metadata.name, wanted, done)
    return done


# --- exporting --------------------------------------------------------------------------------


def _condition_name(condition: Any) -> str:
    return f"burn-rate-{domain.spelled(condition.long)}"


def _alerting(table: Table) -> list[dict[str, Any]]:
    conditions = [
        _doc(
            "AlertCondition",
            {"name": _condition_name(c)},
            {
                "severity": c.severity.value,
                "condition": {
                    "kind": "burnrate",
                    "op": "gte",
                    "threshold": c.factor,
                    "lookbackWindow": domain.spelled(c.long),
                    "alertAfter": domain.spelled(c.short),
                },
            },
        )
        for c in table
    ]
    refs = [{"conditionRef": _condition_name(c)} for c in table]
    return [*conditions, _doc("AlertPolicy", {"name": POLICY}, {"conditions": refs})]


def _doc(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


def _source(slo: Slo, **spec: Any) -> dict[str, Any]:
    if slo.sli_source == SliSource.PUSHED:
        return {"metricSource": {"type": PUSHED}}
    if slo.sli_source == SliSource.INCIDENTS:
        return {"metricSource": {"type": INCIDENTS, "spec": spec}}
    auth = {"auth": str(slo.prometheus_auth)} if slo.prometheus_auth != "none" else {}
    user = {"username": slo.prometheus_username} if slo.prometheus_username else {}
    return {
        "metricSource": {
            "type": "Prometheus",
            "spec": {"url": slo.prometheus_url, **spec, **auth, **user},
        }
    }


def _indicator_of(slo: Slo) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SLO's SLI as a document's spec, and what its objective adds."""
    if slo.sli_kind == SliKind.RATIO:
        good, total = _source(slo, query=slo.good_query), _source(slo, query=slo.total_query)
        return {"ratioMetric": {"counter": True, "good": good, "total": total}}, {}
    if slo.sli_kind == SliKind.INCIDENTS:
        return {"thresholdMetric": _source(slo, worstPriority=slo.worst_priority)}, {}
    histogram = {"histogram": slo.histogram} if slo.histogram else {}
    return {"thresholdMetric": _source(slo, **histogram)}, {"op": "lt", "value": slo.threshold}


def _slo_document(slo: Slo) -> dict[str, Any]:
    name = slo.openslo_name or slo.key.lower()
    annotations = {SQUAD: slo.owner_squad}
    annotations |= {OWNER: slo.owner} if slo.owner else {}
    annotations |= {SUBJECT: "journey"} if slo.journey_slug else {}
    ((duration_, rolling),) = [k for k, w in WINDOWS.items() if w == slo.window]
    indicator, objective = _indicator_of(slo)
    spec = {
        "description": slo.description,
        "service": slo.service_slug or slo.journey_slug,
        "indicator": {"metadata": {"name": f"{name}-sli"}, "spec": indicator},
        "timeWindow": [{"duration": duration_, "isRolling": rolling}],
        "budgetingMethod": "Timeslices" if slo.sli_kind == SliKind.INCIDENTS else "Occurrences",
        "objectives": [{"targetPercent": slo.objective, **objective}],
        "alertPolicies": [POLICY],
    }
    metadata = {"name": name, "displayName": slo.name, "annotations": annotations}
    return _doc("SLO", metadata, spec)


def export(session: Session, *, actor: Principal, platform: str | None = None) -> str:
    """Every SLO (of `platform`) as OpenSLO documents, after the burn-rate table they alert
    on; applying it back changes nothing."""
    found = slos.search(session, actor=actor, platform=platform)
    table = burn_table(session, platform) if platform else burn_table(session)
    documents = [*_alerting(table), *(_slo_document(s) for s in found)]
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=100)
