"""JSON columns are written by orjson where it writes what json.dumps would, and by
json.dumps where it would not: every value is stored and read back as before."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from opsroom.infra.db import json_text

AS_BEFORE: list[Any] = [
    {"alertname": "DiskFull", "instance": "db-0"},
    [{"href": "https://grafana.example.com/d/q", "text": "Dashboard"}],
    {"nested": {"list": [1, 2.5, -0.0, 1e16, True, False]}, "empty": {}},
    {"summary": "café ☕ down"},  # json.dumps escapes it: stored text stays ASCII
    {"missing": None},
    {7: "int key", 2.5: "float key", True: "bool key", None: "null key"},  # keys as strings
    {"huge": 2**70},  # beyond orjson's 64 bits
    {"ratio": math.inf, "other": -math.inf},
]


@pytest.mark.parametrize("value", AS_BEFORE)
def test_a_value_is_stored_and_read_back_as_json_dumps_stored_it(value: Any) -> None:
    text = json_text(value)
    assert json.loads(text) == json.loads(json.dumps(value))
    assert text.isascii()


def test_nan_stays_nan_rather_than_becoming_null() -> None:
    read = json.loads(json_text({"ratio": math.nan}))
    assert math.isnan(read["ratio"])


@pytest.mark.parametrize("refused", [{"at": datetime(2026, 11, 24, tzinfo=UTC)}, {1, 2}])
def test_what_json_dumps_refused_is_still_refused(refused: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(refused)
    with pytest.raises(TypeError):
        json_text(refused)
