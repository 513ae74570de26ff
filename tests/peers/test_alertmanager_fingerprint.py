"""Our fingerprints are the ones a real Alertmanager reports for the same label sets."""

from __future__ import annotations

from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsroom.alerts.domain import fingerprint
from tests.peers import alertmanager

CONFIG = """\
route:
  receiver: blackhole
receivers:
  - name: blackhole
"""

label_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,12}", fullmatch=True).filter(
    lambda n: not n.startswith("__")
)
label_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20
)
label_sets = st.dictionaries(label_names, label_values, min_size=1, max_size=6)


def test_fingerprints_match_a_real_alertmanager(tmp_path: Path) -> None:
    with alertmanager.running(tmp_path, CONFIG) as base, httpx.Client(base_url=base) as am:

        @settings(
            max_examples=40,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(st.lists(label_sets, min_size=1, max_size=5))
        def check(batch: list[dict[str, str]]) -> None:
            tagged = [
                {**labels, "alertname": f"fp{i}-{fingerprint(labels)}"}
                for i, labels in enumerate(batch)
            ]
            assert (
                am.post(
                    "/api/v2/alerts", json=[{"labels": labels} for labels in tagged]
                ).status_code
                == 200
            )
            reported = {
                a["labels"]["alertname"]: a["fingerprint"] for a in am.get("/api/v2/alerts").json()
            }
            for labels in tagged:
                assert reported[labels["alertname"]] == fingerprint(labels), labels

        check()
