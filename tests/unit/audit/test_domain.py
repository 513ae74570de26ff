"""The audit chain's pure rules: hashing, verification and what a diff keeps."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from opsroom.audit.domain import (
    GENESIS_HASH,
    ChainBreak,
    ChainLink,
    diff,
    entry_hash,
    first_break,
    to_json_value,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CHANGED = "content was changed after it was recorded"
RELINKED = "previous-hash link does not match the entry before it"
CONTENT_FIELDS = ["at", "actor", "action", "subject_type", "subject_key", "before", "after"]


def _content(seq: int, prev_hash: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": T0 + timedelta(minutes=seq),
        "actor": f"user-{seq}",
        "action": "service.updated",
        "subject_type": "service",
        "subject_key": f"svc-{seq}",
        "before": {"tier": 2, "tags": ["a"]},
        "after": {"tier": 1, "tags": ["a", "b"]},
        "prev_hash": prev_hash,
    }


def _sealed(**content: Any) -> ChainLink:
    """A link whose hash matches its content, as the audit log writes it."""
    return ChainLink(**content, hash=entry_hash(**content))


def _chain(length: int, *, start_seq: int = 1, start_hash: str = GENESIS_HASH) -> list[ChainLink]:
    links: list[ChainLink] = []
    prev = start_hash
    for seq in range(start_seq, start_seq + length):
        links.append(_sealed(**_content(seq, prev)))
        prev = links[-1].hash
    return links


def _resealed(link: ChainLink, **changes: Any) -> ChainLink:
    """What someone who knows the hashing would write: an edited entry with a fresh hash."""
    fields = {f.name: getattr(link, f.name) for f in dataclasses.fields(link) if f.name != "hash"}
    return _sealed(**{**fields, **changes})


# --- hashing ----------------------------------------------------------------------------


def test_an_entry_hash_is_a_sha256_hex_digest() -> None:
    digest = _chain(1)[0].hash
    assert len(digest) == 64
    assert int(digest, 16) >= 0


def test_the_hash_does_not_depend_on_the_order_of_keys_in_before_and_after() -> None:
    content = _content(1, GENESIS_HASH)
    reordered = {**content, "after": {"tags": ["a", "b"], "tier": 1}}
    assert entry_hash(**content) == entry_hash(**reordered)


def test_the_hash_depends_on_the_previous_hash() -> None:
    content = _content(1, GENESIS_HASH)
    assert entry_hash(**content) != entry_hash(**{**content, "prev_hash": "f" * 64})


def test_values_are_hashed_in_the_form_they_are_stored() -> None:
    assert to_json_value({"on": date(2026, 11, 2), "ids": (1, 2)}) == {
        "on": "2026-11-02",
        "ids": [1, 2],
    }
    assert to_json_value({"at": T0}) == {"at": "2026-11-02T09:00:00+00:00"}


# --- verification -----------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 5])
def test_an_untouched_chain_verifies(length: int) -> None:
    assert first_break(_chain(length)) is None


def test_a_chain_verifies_from_a_checkpoint() -> None:
    chain = _chain(6)
    assert first_break(chain[3:], start_hash=chain[2].hash, start_seq=4) is None


def test_a_chain_that_does_not_start_from_the_checkpoint_is_reported() -> None:
    chain = _chain(6)
    assert first_break(chain[3:], start_hash=chain[1].hash, start_seq=4) == ChainBreak(4, RELINKED)


def test_a_first_entry_not_linked_to_the_genesis_hash_is_reported() -> None:
    chain = _chain(3, start_hash="a" * 64)
    assert first_break(chain) == ChainBreak(1, RELINKED)


@pytest.mark.parametrize("field", CONTENT_FIELDS)
def test_an_edited_field_is_reported_at_its_entry(field: str) -> None:
    chain = _chain(5)
    edited = {"at": T0, "before": None, "after": {"tier": 4}}.get(field, "someone-else")
    chain[2] = dataclasses.replace(chain[2], **{field: edited})
    assert first_break(chain) == ChainBreak(3, CHANGED)


def test_an_edited_hash_is_reported_at_its_entry() -> None:
    chain = _chain(5)
    chain[1] = dataclasses.replace(chain[1], hash="0" * 64)
    assert first_break(chain) == ChainBreak(2, CHANGED)


def test_an_edit_with_a_recomputed_hash_breaks_the_link_to_the_next_entry() -> None:
    chain = _chain(5)
    chain[2] = _resealed(chain[2], actor="someone-else")
    assert first_break(chain) == ChainBreak(4, RELINKED)


@pytest.mark.parametrize("index", [0, 2, 3])
def test_a_removed_entry_is_reported_as_missing(index: int) -> None:
    chain = _chain(5)
    del chain[index]
    seq = index + 1
    assert first_break(chain) == ChainBreak(seq, f"entry {seq} is missing (next is {seq + 1})")


def test_a_removed_entry_is_reported_even_when_the_next_one_is_relinked() -> None:
    chain = _chain(5)
    chain[3] = _resealed(chain[3], prev_hash=chain[1].hash)
    del chain[2]
    assert first_break(chain) == ChainBreak(3, "entry 3 is missing (next is 4)")


def test_an_entry_rewired_to_an_earlier_entry_is_reported() -> None:
    chain = _chain(5)
    chain[3] = _resealed(chain[3], prev_hash=chain[1].hash)
    assert first_break(chain) == ChainBreak(4, RELINKED)


def test_an_entry_renumbered_to_fill_a_gap_is_reported() -> None:
    chain = _chain(5)
    del chain[2]
    chain[2] = _resealed(chain[2], seq=3)
    assert first_break(chain) == ChainBreak(3, RELINKED)


def test_only_the_first_break_is_reported() -> None:
    chain = _chain(6)
    chain[4] = dataclasses.replace(chain[4], actor="late-edit")
    chain[1] = dataclasses.replace(chain[1], actor="early-edit")
    assert first_break(chain) == ChainBreak(2, CHANGED)


# Values the audit log can store: JSON numbers are kept to 64 bits.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
hashes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
TAMPERS: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(min_value=-5, max_value=1000),
    "at": st.integers(min_value=1, max_value=10**8).map(lambda s: T0 + timedelta(seconds=s)),
    "actor": st.text(max_size=20),
    "action": st.text(max_size=20),
    "subject_type": st.text(max_size=20),
    "subject_key": st.text(max_size=20),
    "before": json_values,
    "after": json_values,
    "prev_hash": hashes,
    "hash": hashes,
}


@given(st.integers(min_value=1, max_value=8), st.data())
def test_any_single_field_tamper_is_detected_at_exactly_that_entry(
    length: int, data: st.DataObject
) -> None:
    chain = _chain(length)
    index = data.draw(st.integers(min_value=0, max_value=length - 1), label="index")
    field = data.draw(st.sampled_from(sorted(TAMPERS)), label="field")
    value = data.draw(TAMPERS[field], label="value")
    assume(value != getattr(chain[index], field))
    chain[index] = dataclasses.replace(chain[index], **{field: value})
    found = first_break(chain)
    assert found is not None
    assert found.seq == index + 1


# --- diff -------------------------------------------------------------------------------


def test_diff_keeps_only_the_fields_that_changed() -> None:
    before = {"name": "Payments", "tier": 2, "tags": ["pci"], "version": 3}
    after = {"name": "Payments", "tier": 1, "tags": ["pci"], "version": 4}
    assert diff(before, after) == ({"tier": 2, "version": 3}, {"tier": 1, "version": 4})


def test_diff_shows_added_and_removed_fields_as_none_on_the_other_side() -> None:
    assert diff({"old": 1, "same": 0}, {"new": 2, "same": 0}) == (
        {"new": None, "old": 1},
        {"new": 2, "old": None},
    )


def test_diff_of_identical_records_is_empty() -> None:
    assert diff({"tier": 1}, {"tier": 1}) == ({}, {})


def test_diff_keeps_a_creation_or_deletion_whole() -> None:
    record = {"slug": "payments", "tier": 1}
    assert diff(None, record) == (None, record)
    assert diff(record, None) == (record, None)


@given(
    st.dictionaries(st.sampled_from("abcdef"), json_scalars),
    st.dictionaries(st.sampled_from("abcdef"), json_scalars),
)
def test_diff_names_exactly_the_keys_whose_values_differ(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    old, new = diff(before, after)
    assert old is not None
    assert new is not None
    assert set(old) == set(new)
    for key in before.keys() | after.keys():
        assert (key in old) == (before.get(key) != after.get(key))
    assert all(old[k] == before.get(k) and new[k] == after.get(k) for k in old)
