"""The calendar feed token: unguessable without the secret, bound to one feed, revoked by
a new nonce."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from opsroom.oncall.domain import feed_token, feed_token_matches

SECRET = "a-long-random-secret"


def test_a_token_opens_its_own_feed_only() -> None:
    token = feed_token(SECRET, kind="schedule", key="identity", nonce="")
    assert feed_token_matches(SECRET, kind="schedule", key="identity", nonce="", token=token)
    assert not feed_token_matches(SECRET, kind="schedule", key="payments", nonce="", token=token)
    assert not feed_token_matches(SECRET, kind="person", key="identity", nonce="", token=token)


def test_a_new_nonce_or_another_secret_revokes_the_token() -> None:
    token = feed_token(SECRET, kind="person", key="a@example.com", nonce="n1")
    assert not feed_token_matches(
        SECRET, kind="person", key="a@example.com", nonce="n2", token=token
    )
    assert not feed_token_matches(
        "other", kind="person", key="a@example.com", nonce="n1", token=token
    )


@given(st.text(max_size=40))
def test_nothing_but_the_token_matches(guess: str) -> None:
    token = feed_token(SECRET, kind="schedule", key="identity", nonce="x")
    assert feed_token_matches(SECRET, kind="schedule", key="identity", nonce="x", token=guess) == (
        guess == token
    )
