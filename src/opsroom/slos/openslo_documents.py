"""OpenSLO v1 documents as opsroom reads them: the fields of `SLO`, `SLI`, `AlertPolicy`
and `AlertCondition` it supports, OpenSLO's camelCase names; any other field is refused."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from opsroom.slos.domain import Severity


class _Part(BaseModel):
    """A part of a document: OpenSLO's camelCase names, anything else refused."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, str_strip_whitespace=True
    )


class Metadata(_Part):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    display_name: str | None = None
    annotations: dict[str, str] = Field(default_factory=dict)


class SourceSpec(_Part):
    """A metric source's `spec`: a Prometheus query (a counter selector) or histogram, and
    the Prometheus it is read from; or which incidents an incident SLI counts."""

    url: str = ""
    query: str = ""
    histogram: str = ""
    auth: Literal["none", "bearer", "basic"] = "none"
    username: str = ""
    worst_priority: int = Field(default=2, ge=1, le=5)


class MetricSource(_Part):
    type: Literal["Prometheus", "opsroom-pushed", "opsroom-incidents"]
    spec: SourceSpec = Field(default_factory=SourceSpec)


class Metric(_Part):
    metric_source: MetricSource


class RatioMetric(_Part):
    counter: Literal[True]
    good: Metric
    total: Metric


class SliSpec(_Part):
    description: str = ""
    ratio_metric: RatioMetric | None = None
    threshold_metric: Metric | None = None


class Indicator(_Part):
    metadata: Metadata
    spec: SliSpec


class TimeWindow(_Part):
    duration: str
    is_rolling: bool
    calendar: dict[Literal["startTime", "timeZone"], str] | None = None


class Objective(_Part):
    display_name: str | None = None
    target: float | None = Field(default=None, gt=0, lt=1)
    target_percent: float | None = Field(default=None, gt=0, lt=100)
    op: Literal["lt", "lte"] | None = None
    value: float | None = Field(default=None, gt=0)


class SloSpec(_Part):
    description: str = ""
    service: str
    indicator: Indicator | None = None
    indicator_ref: str | None = None
    time_window: list[TimeWindow] = Field(min_length=1, max_length=1)
    budgeting_method: Literal["Occurrences", "Timeslices"]
    objectives: list[Objective] = Field(min_length=1, max_length=1)
    alert_policies: list[str] = Field(default_factory=list)


class BurnRate(_Part):
    kind: Literal["burnrate"]
    op: Literal["gte"]
    threshold: float = Field(gt=0)
    lookback_window: str
    alert_after: str


class ConditionSpec(_Part):
    description: str = ""
    severity: Severity
    condition: BurnRate


class ConditionRef(_Part):
    condition_ref: str


class PolicySpec(_Part):
    description: str = ""
    conditions: list[ConditionRef] = Field(min_length=1)


class Document(_Part):
    api_version: Literal["openslo/v1"]
    metadata: Metadata


class SloDocument(Document):
    kind: Literal["SLO"]
    spec: SloSpec


class SliDocument(Document):
    kind: Literal["SLI"]
    spec: SliSpec


class PolicyDocument(Document):
    kind: Literal["AlertPolicy"]
    spec: PolicySpec


class ConditionDocument(Document):
    kind: Literal["AlertCondition"]
    spec: ConditionSpec


DOCUMENTS: dict[str, type[Document]] = {
    "SLO": SloDocument,
    "SLI": SliDocument,
    "AlertPolicy": PolicyDocument,
    "AlertCondition": ConditionDocument,
}
