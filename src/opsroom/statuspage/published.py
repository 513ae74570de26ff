"""The status pages as last rendered, kept by each app in this process per platform and
form (page, JSON, feed). When everyone reloads during an outage, a request is answered from here
without touching the database; one request at a time rebuilds what is missing or stale.
An incident's or a change's event empties the shelf once its transaction commits, so this
process shows the news at once; another process's news shows within `FRESH_FOR`."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.statuspage.domain import Visibility

FRESH_FOR = timedelta(seconds=10)
SHELVES: weakref.WeakSet[Shelf] = weakref.WeakSet()


@dataclass(frozen=True)
class Published:
    """A rendered status page: `body` as sent, its validators, and who may read it."""

    body: bytes
    etag: str
    last_modified: datetime
    built_at: datetime
    visibility: Visibility

    def fresh(self, now: datetime) -> bool:
        return now - self.built_at < FRESH_FOR


Build = Callable[[], tuple[bytes, Visibility]]


class Shelf:
    """One app's rendered pages."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], Published] = {}
        self._building: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        SHELVES.add(self)

    def fresh(self, platform: str, form: str) -> Published | None:
        kept = self._kept.get((platform, form))
        return kept if kept is not None and kept.fresh(clock.now()) else None

    def serving(self, platform: str, form: str) -> Published | None:
        """The fresh page, or the stale one while another request rebuilds it: readers do
        not queue behind a rebuild. None after the news emptied the shelf."""
        key = (platform, form)
        kept = self._kept.get(key)
        if kept is None:
            return None
        building = self._building.get(key)
        rebuilding = building is not None and building.locked()
        return kept if rebuilding or kept.fresh(clock.now()) else None

    def fetch(self, platform: str, form: str, build: Build) -> Published:
        """The fresh page, built once by whichever request comes first: the others wait
        for it rather than all asking the database."""
        key = (platform, form)
        with self._guard:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            kept = self.fresh(platform, form)
            if kept is None:
                kept = self._built(key, *build())
            return kept

    def _built(self, key: tuple[str, str], body: bytes, visibility: Visibility) -> Published:
        """Last-Modified stays while the content does: a rebuild that changes nothing keeps
        the validators the readers hold."""
        etag = f'"{sha256(body).hexdigest()[:32]}"'
        now = clock.now()
        before = self._kept.get(key)
        since = before.last_modified if before and before.etag == etag else now
        kept = Published(body, etag, since.replace(microsecond=0), now, visibility)
        self._kept[key] = kept
        return kept

    def forget(self) -> None:
        self._kept.clear()


def _forget(_session: Session) -> None:
    for shelf in list(SHELVES):
        shelf.forget()


def forget_after_commit(session: Session, _event: Any = None) -> None:
    """What the pages show changed: rebuild them once this transaction has committed (a
    rebuild before then would read the old state)."""
    event.listen(session, "after_commit", _forget, once=True)
