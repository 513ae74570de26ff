"""The kit for settings documents: configuration operations managers tune (the incident
policy, the settings of problem management), kept as data with shipped defaults. A document
is typed by its schema, stored as one versioned row, audited on every change and refused
with 409 when changed from a stale version; what GET returns (the settings and their
`Stamp`), PUT takes back as it is.

A platform may override some of the installation's settings: its row holds only the
top-level settings it overrides, and the rest are inherited from the installation's
document, then from the shipped defaults."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit.domain import Actor
from opsroom.audit.models import AuditEntry, StoredSettings
from opsroom.audit.records import Record
from opsroom.audit.schemas import ScopedSettings, SettingRead, SettingsVersion, Source, Stamp
from opsroom.infra import clock
from opsroom.infra.errors import ValidationFailed

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
    hold until someone changes them. A platform may override the settings named in
    `overridable` (None: every one)."""

    key: str
    title: str
    subject_type: str
    subject_key: str
    written: type[Written]
    stamped: type[Stamped]
    defaults: Rules
    to_rules: Callable[[Written], Rules]
    to_written: Callable[[Rules], Written]
    overridable: frozenset[str] | None = None

    def rules(self, session: Session, scope: str = EVERYWHERE) -> Rules:
        """The rules in force in `scope`: its own settings over those it inherits."""
        layers = self._layers(session, scope)
        if len(layers) == 1:
            return self.defaults
        merged: dict[str, Any] = {}
        for value in layers:
            merged |= value
        return self.to_rules(self.written.model_validate(merged))

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

    def layered(self, session: Session, scope: str) -> ScopedSettings:
        """The settings in force on a platform, each saying where it comes from."""
        return self._scoped(session, self._own(session, scope))

    def override(
        self,
        session: Session,
        *,
        actor: Actor,
        scope: str,
        overrides: Mapping[str, Any],
        version: int,
        vet: Callable[[Rules, Rules], None] | None = None,
    ) -> ScopedSettings:
        """Override settings on a platform, each with its whole value; the others stay
        inherited. `version` is the one of the platform's overrides read. Refused, naming
        the setting, if it is unknown, kept for the whole installation, or not valid."""
        self._check_overridable(overrides)
        own = self._audited.held(self._own(session, scope), version)
        return self._save(session, actor, own, own.value | dict(overrides), "overridden", vet)

    def clear(
        self,
        session: Session,
        *,
        actor: Actor,
        scope: str,
        names: Collection[str],
        version: int,
    ) -> ScopedSettings:
        """Clear a platform's overrides of `names` (none named: all of them): it inherits
        those settings again."""
        own = self._audited.held(self._own(session, scope), version)
        missing = {
            name: "not overridden on this platform" for name in names if name not in own.value
        }
        if missing:
            raise ValidationFailed(f"{self.title}: nothing to clear", fields=missing)
        kept = {name: value for name, value in own.value.items() if names and name not in names}
        return self._save(session, actor, own, kept, "cleared", None)

    def history(self, session: Session, scope: str = EVERYWHERE) -> list[SettingsVersion]:
        """Every version the document in `scope` has had, the latest first."""
        changes = session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.subject_type == self.subject_type,
                AuditEntry.subject_key == (scope or self.subject_key),
                AuditEntry.action.startswith(f"{self.key}."),
            )
            .order_by(AuditEntry.seq)
        )
        versions = [
            SettingsVersion(
                version=n, at=e.at, actor=e.actor, action=e.action, before=e.before, after=e.after
            )
            for n, e in enumerate(changes, start=1)
        ]
        return versions[::-1]

    def installation(self, session: Session) -> ScopedSettings:
        """The settings in force for the whole installation, each saying whether it is the
        shipped default or set for the installation."""
        stored = self._stored(session, EVERYWHERE)
        settings = [
            self._setting(name, shipped, stored.value, {})
            for name, shipped in self._shipped.items()
        ]
        return ScopedSettings(
            document=self.key,
            platform=EVERYWHERE,
            version=stored.version,
            updated_by=stored.updated_by,
            updated_at=stored.updated_at,
            settings=[
                s.model_copy(update={"inherited": s.source == "defaults", "overridable": True})
                for s in settings
            ],
        )

    def set_installation(
        self, session: Session, *, actor: Actor, settings: Mapping[str, Any], version: int
    ) -> ScopedSettings:
        """Set settings for the whole installation, each with its whole value; `version` is
        the installation's document read. Refused, naming the setting, if it is unknown or
        the document it makes is not valid."""
        unknown = {name: f"{self.title} has no setting '{name}'" for name in settings}
        for name in self._shipped:
            unknown.pop(name, None)
        if unknown:
            raise ValidationFailed(f"{self.title}: no such settings", fields=unknown)
        written = self._valid(self._installation(session) | dict(settings))
        self.replace(session, actor=actor, written=written, version=version)
        return self.installation(session)

    def reset_installation(
        self, session: Session, *, actor: Actor, names: Collection[str], version: int
    ) -> ScopedSettings:
        """Put settings of the whole installation back to their shipped defaults (none
        named: all of them)."""
        chosen = names or list(self._shipped)
        return self.set_installation(
            session,
            actor=actor,
            settings={name: self._shipped.get(name) for name in chosen},
            version=version,
        )

    def _save(
        self,
        session: Session,
        actor: Actor,
        own: StoredSettings,
        value: dict[str, Any],
        verb: str,
        vet: Callable[[Rules, Rules], None] | None,
    ) -> ScopedSettings:
        """Keep `value` as the platform's overrides, if the document it makes is valid."""
        before = self.rules(session, own.scope)
        after = self.to_rules(self._valid(self._inherited(session) | value))
        normal = self.to_written(after).model_dump(mode="json")
        value = {name: normal[name] for name in value}
        if value == own.value:
            return self._scoped(session, own)
        if vet is not None:
            vet(before, after)
        snapshot = own.value
        own.value = value
        own.updated_by, own.updated_at = str(actor), clock.now()
        session.add(own)
        self._audited.saved(session, own, actor, f"{self.key}.{verb}", snapshot)
        return self._scoped(session, own)

    def _check_overridable(self, names: Collection[str]) -> None:
        refused: dict[str, str] = {}
        for name in names:
            if name not in self._shipped:
                refused[name] = f"{self.title} has no setting '{name}'"
            elif self.overridable is not None and name not in self.overridable:
                refused[name] = "kept for the whole installation: a platform cannot override it"
        if refused:
            raise ValidationFailed(
                f"{self.title}: these settings cannot be overridden", fields=refused
            )

    def _valid(self, document: dict[str, Any]) -> Written:
        try:
            return self.written.model_validate(document)
        except ValidationError as exc:
            fields: dict[str, str] = {}
            for error in exc.errors():
                fields.setdefault(
                    str(error["loc"][0]) if error["loc"] else "overrides", error["msg"]
                )
            raise ValidationFailed(
                f"{self.title} would not be valid: check the settings named", fields=fields
            ) from exc

    def _scoped(self, session: Session, own: StoredSettings) -> ScopedSettings:
        installation = self._installation(session)
        settings = [
            self._setting(name, shipped, installation, own.value)
            for name, shipped in self._shipped.items()
        ]
        return ScopedSettings(
            document=self.key,
            platform=own.scope,
            version=own.version,
            updated_by=own.updated_by,
            updated_at=own.updated_at,
            settings=settings,
        )

    def _setting(
        self, name: str, shipped: Any, installation: dict[str, Any], platform: dict[str, Any]
    ) -> SettingRead:
        source: Source = "defaults"
        value = installation.get(name, shipped)
        if name in platform:
            source, value = "platform", platform[name]
        elif value != shipped:
            source = "installation"
        return SettingRead(
            name=name,
            value=value,
            source=source,
            inherited=source != "platform",
            overridable=self.overridable is None or name in self.overridable,
        )

    def _layers(self, session: Session, scope: str) -> list[dict[str, Any]]:
        """The settings `scope` holds and those it inherits, the shipped defaults first."""
        layers = [self._shipped]
        for at in dict.fromkeys([EVERYWHERE, scope]):
            stored = session.get(StoredSettings, (self.key, at))
            if stored is not None:
                layers.append(stored.value)
        return layers

    def _installation(self, session: Session) -> dict[str, Any]:
        stored = session.get(StoredSettings, (self.key, EVERYWHERE))
        return self._shipped if stored is None else stored.value

    def _inherited(self, session: Session) -> dict[str, Any]:
        return self._shipped | self._installation(session)

    def _own(self, session: Session, scope: str) -> StoredSettings:
        """A platform's overrides, or none yet at version 0 (added to the session only when
        some are made)."""
        stored = session.get(StoredSettings, (self.key, scope))
        if stored is not None:
            return stored
        return StoredSettings(key=self.key, scope=scope, value={}, version=0)

    @cached_property
    def _shipped(self) -> dict[str, Any]:
        return self.to_written(self.defaults).model_dump(mode="json")

    def _stored(self, session: Session, scope: str) -> StoredSettings:
        """The stored row, or a new one holding the defaults at version 0 (added to the
        session only when the settings change)."""
        stored = session.get(StoredSettings, (self.key, scope))
        if stored is not None:
            return stored
        return StoredSettings(key=self.key, scope=scope, value=dict(self._shipped), version=0)

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
