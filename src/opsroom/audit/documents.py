"""The kit for settings documents: configuration operations managers tune (the incident
policy, the settings of problem management), kept as data with shipped defaults. A document
is typed by its schema, stored as one versioned row, audited on every change and refused
with 409 when changed from a stale version; what GET returns (the settings and their
`Stamp`), PUT takes back as it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from opsroom.audit.domain import Actor
from opsroom.audit.models import StoredSettings
from opsroom.audit.records import Record
from opsroom.audit.schemas import Stamp
from opsroom.infra import clock

Rules = TypeVar("Rules")  # the settings as the pure rules apply them
Written = TypeVar("Written", bound=BaseModel)  # the settings as people write them
Stamped = TypeVar("Stamped", bound=Stamp)  # ... with their stamp: GET's answer, PUT's body

# The scope of a document that holds for the whole installation; a document kept per
# platform is scoped by the platform's slug.
EVERYWHERE = ""


def _value(stored: StoredSettings) -> dict[str, Any]:
    return stored.value


@dataclass(frozen=True)
class Document(Generic[Rules, Written, Stamped]):
    """One settings document. `key` names its stored row and its audit action
    (`<key>.replaced`); its audit entries go under `subject_type` and `subject_key`; `title`
    names it in a refusal. People write the settings as `written`, and read them (and send
    them back) as `stamped`, the same with their `Stamp`; `to_rules` and `to_written` convert
    between what people write and the rules the services apply, whose shipped `defaults`
    hold until someone changes them."""

    key: str
    title: str
    subject_type: str
    subject_key: str
    written: type[Written]
    stamped: type[Stamped]
    defaults: Rules
    to_rules: Callable[[Written], Rules]
    to_written: Callable[[Rules], Written]

    def rules(self, session: Session, scope: str = EVERYWHERE) -> Rules:
        """The rules in force."""
        stored = session.get(StoredSettings, (self.key, scope))
        if stored is None:
            return self.defaults
        return self.to_rules(self.written.model_validate(stored.value))

    def read(self, session: Session, scope: str = EVERYWHERE) -> Stamped:
        return self._read(self._stored(session, scope))

    def replace(
        self,
        session: Session,
        *,
        actor: Actor,
        written: Written,
        version: int,
        vet: Callable[[Rules, Rules], None] | None = None,
        scope: str = EVERYWHERE,
    ) -> Stamped:
        """Replace the settings; `version` is the one read (0 while the defaults apply).
        The settings in force sent back change nothing: no new version, nothing audited.
        `vet(before, after)` may refuse a change only other records can judge."""
        stored = self._audited.held(self._stored(session, scope), version)
        before, after = self.rules(session, scope), self.to_rules(written)
        if after == before:
            return self._read(stored)
        if vet is not None:
            vet(before, after)
        snapshot = stored.value
        stored.value = self.to_written(after).model_dump(mode="json")
        stored.updated_by, stored.updated_at = str(actor), clock.now()
        session.add(stored)
        self._audited.saved(session, stored, actor, f"{self.key}.replaced", snapshot)
        return self._read(stored)

    def _stored(self, session: Session, scope: str) -> StoredSettings:
        """The stored row, or a new one holding the defaults at version 0 (added to the
        session only when the settings change)."""
        stored = session.get(StoredSettings, (self.key, scope))
        if stored is not None:
            return stored
        defaults = self.to_written(self.defaults).model_dump(mode="json")
        return StoredSettings(key=self.key, scope=scope, value=defaults, version=0)

    def _read(self, stored: StoredSettings) -> Stamped:
        return self.stamped.model_validate(
            stored.value
            | {
                "version": stored.version,
                "updated_by": stored.updated_by,
                "updated_at": stored.updated_at,
            }
        )

    @cached_property
    def _audited(self) -> Record[Any]:
        return Record(
            self.subject_type,
            _value,
            key=lambda stored: stored.scope or self.subject_key,
            named=self.title,
        )
