"""How figures read in sentences: a count with its noun in the right number."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 alert', '0 alerts', '2 entries' (given the plural where it is not noun + s)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
