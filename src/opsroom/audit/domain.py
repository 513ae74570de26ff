"""The audit chain: each entry's hash covers its content and the previous entry's hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson

GENESIS_HASH = "0" * 64


class Actor(Protocol):
    """Whoever acts, as the log names them: a signed-in principal, a token, or a worker's
    name. The audit log sits below accounts, so it keeps the name and nothing else."""

    def __str__(self) -> str: ...


@dataclass(frozen=True)
class ChainLink:
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_key: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def to_json_value(value: Any) -> Any:
    """What a value becomes once stored as JSON: the form that is hashed and kept."""
    return orjson.loads(orjson.dumps(value, default=str))


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_key: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    canonical = orjson.dumps(
        {
            "seq": seq,
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "subject_type": subject_type,
            "subject_key": subject_key,
            "before": before,
            "after": after,
            "prev_hash": prev_hash,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def first_break(
    links: Iterable[ChainLink], *, start_hash: str = GENESIS_HASH, start_seq: int = 1
) -> ChainBreak | None:
    """The first entry whose link to its predecessor or own content does not hold."""
    expected_prev, expected_seq = start_hash, start_seq
    for link in links:
        if link.seq != expected_seq:
            return ChainBreak(expected_seq, f"entry {expected_seq} is missing (next is {link.seq})")
        if link.prev_hash != expected_prev:
            return ChainBreak(link.seq, "previous-hash link does not match the entry before it")
        recomputed = entry_hash(
            seq=link.seq,
            at=link.at,
            actor=link.actor,
            action=link.action,
            subject_type=link.subject_type,
            subject_key=link.subject_key,
            before=link.before,
            after=link.after,
            prev_hash=link.prev_hash,
        )
        if recomputed != link.hash:
            return ChainBreak(link.seq, "content was changed after it was recorded")
        expected_prev, expected_seq = link.hash, link.seq + 1
    return None


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Keep only the fields that changed, so an entry says what a person actually did."""
    if before is None or after is None:
        return before, after
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in sorted(changed)}, {k: after.get(k) for k in sorted(changed)}
