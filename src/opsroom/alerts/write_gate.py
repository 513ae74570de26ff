"""The order of SQLite's one writer between the intake and the drainer: the intake's
commits go first (a 2xx waits for them), the drain takes its turn in between."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from opsroom.infra.config import Settings

# How long the drainer defers to waiting intake commits before it takes its turn anyway:
# at least the minimum, and under a steady intake INTAKE_SHARE times as long as its own last
# transaction took, so the intake holds the write lock 9/10 of the time; but never more than
# the maximum, so an alert storm's first incidents still open within seconds.
DRAIN_PATIENCE_SECONDS = 0.05
DRAIN_PATIENCE_MAX_SECONDS = 2.0
INTAKE_SHARE = 9
LOCK_POLL_SECONDS = 0.001
LOCK_FILE_SUFFIX = "-intake.lock"
LOCK_FILE_FLAGS = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC


class WriteGate:
    """SQLite takes one writer at a time, and the intake's commits go first: a 2xx waits for
    them, the drain does not. While requests keep arriving, the drainer pauses for its
    patience before each transaction, so the intake holds the write lock most of the time;
    it begins a transaction only when no intake commit waits, or once it has deferred for
    its patience, and the two hand over at once rather than polling SQLite's busy timeout.
    Within a process the hand-over runs through a lock and a count of waiting intake
    commits; across processes (`serve --no-worker` beside `opsroom worker`) through an
    advisory lock on a file beside the database (`<db>-intake.lock`), held shared by each
    intake commit while it waits and commits, and exclusively by the drainer for its
    transaction. On PostgreSQL they do not conflict, so the gate stays open."""

    def __init__(self) -> None:
        self._turn = threading.Lock()
        self._intake_waiting = 0
        self._changed = threading.Condition()
        self._patience = DRAIN_PATIENCE_SECONDS
        self._lock_files: dict[str, str | None] = {}

    @contextmanager
    def intake(self, settings: Settings) -> Iterator[None]:
        if not settings.is_sqlite:
            yield
            return
        with self._changed:
            self._intake_waiting += 1
        try:
            with self._file_lock(settings, drain=False), self._turn:
                yield
        finally:
            with self._changed:
                self._intake_waiting -= 1
                self._changed.notify_all()

    @contextmanager
    def drain(self, settings: Settings, *, arriving: bool = False) -> Iterator[None]:
        """`arriving`: requests arrived since the drainer's previous transaction."""
        if not settings.is_sqlite:
            yield
            return
        if arriving:
            time.sleep(self._patience)
        with self._changed:
            self._changed.wait_for(lambda: self._intake_waiting == 0, self._patience)
        with self._file_lock(settings, drain=True), self._turn:
            began = time.monotonic()
            yield
            took = time.monotonic() - began
            self._patience = min(
                DRAIN_PATIENCE_MAX_SECONDS, max(DRAIN_PATIENCE_SECONDS, INTAKE_SHARE * took)
            )

    @contextmanager
    def _file_lock(self, settings: Settings, *, drain: bool) -> Iterator[None]:
        """The intake waits for the file lock; the drainer tries for its patience, then
        goes ahead without it (SQLite's own lock still keeps the two apart). Each use opens
        the file afresh: a flock belongs to one open file, and two syscalls cost little
        beside a commit."""
        lock_file = self._lock_file(settings)
        if lock_file is None:  # an in-memory database lives in one process
            yield
            return
        descriptor = os.open(lock_file, LOCK_FILE_FLAGS, 0o600)
        try:
            if drain:
                self._exclusive_when_quiet(descriptor)
            else:
                fcntl.flock(descriptor, fcntl.LOCK_SH)
            yield
        finally:
            os.close(descriptor)  # closing it lets go of the lock

    def _lock_file(self, settings: Settings) -> str | None:
        """`<db>-intake.lock` beside the database (worked out once: every commit asks)."""
        if settings.database_url not in self._lock_files:
            path = settings.sqlite_path()
            self._lock_files[settings.database_url] = (
                None if path is None else str(path.with_name(path.name + LOCK_FILE_SUFFIX))
            )
        return self._lock_files[settings.database_url]

    def _exclusive_when_quiet(self, descriptor: int) -> None:
        """Lock at once when no intake commit holds the file; else, the intake being busy,
        leave it the lock for the drainer's patience, then lock at the next gap between its
        commits, or give up on the file lock after DRAIN_PATIENCE_SECONDS more."""
        if _exclusive(descriptor):
            return
        time.sleep(self._patience)
        give_up = time.monotonic() + DRAIN_PATIENCE_SECONDS
        while not _exclusive(descriptor) and time.monotonic() < give_up:
            time.sleep(LOCK_POLL_SECONDS)


def _exclusive(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


gate = WriteGate()
