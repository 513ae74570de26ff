from __future__ import annotations

import hashlib
import hmac

import pytest

from opsroom.actions.domain import Status, Transition
from opsroom.infra.errors import BadRequest, Unauthenticated
from opsroom.outbound import domain
from opsroom.outbound.domain import IssueContent


@pytest.mark.parametrize(
    ("current", "category", "moves"),
    [
        (Status.OPEN, "indeterminate", [Transition.START]),
        (Status.OPEN, "done", [Transition.COMPLETE]),
        (Status.IN_PROGRESS, "done", [Transition.COMPLETE]),
        (Status.DONE, "new", [Transition.REOPEN]),
        (Status.VERIFIED, "indeterminate", [Transition.REOPEN, Transition.START]),
        (Status.DONE, "done", []),  # already there: a redelivered webhook changes nothing
        (Status.VERIFIED, "done", []),  # verified is further along than Jira's done
        (Status.IN_PROGRESS, "new", []),  # no move takes work back to open
        (Status.WONT_DO_REQUESTED, "done", []),  # the won't-do decision stays opsroom's
        (Status.OPEN, "undefined", []),
    ],
)
def test_jira_status_categories_move_action_items(
    current: Status, category: str, moves: list[Transition]
) -> None:
    assert domain.moves_to(current, category) == moves


def test_an_issue_names_its_record_and_links_back() -> None:
    content = IssueContent("ACT-3", "Add a retry budget", "Why.\n\nHow.", "https://o/actions/ACT-3")
    fields = domain.issue_fields(content, project="PAY", issue_type="Task")["fields"]
    assert fields["summary"] == "ACT-3: Add a retry budget"
    assert (fields["project"], fields["issuetype"]) == ({"key": "PAY"}, {"name": "Task"})
    assert fields["labels"] == ["opsroom", "ACT-3"]
    paragraphs = fields["description"]["content"]
    assert [p["content"][0]["text"] for p in paragraphs] == ["Why.", "How.", "ACT-3 in opsroom"]
    assert paragraphs[-1]["content"][0]["marks"][0]["attrs"]["href"] == "https://o/actions/ACT-3"


def test_only_a_body_signed_with_the_platforms_secret_passes() -> None:
    body = b'{"webhookEvent": "jira:issue_updated"}'
    good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    domain.check_signature("s3cret", body, good)
    for secret, header in (
        ("s3cret", None),
        ("s3cret", good.replace("sha256", "sha1")),
        ("", good),
        ("s3cret", "sha256=ünicode"),
    ):
        with pytest.raises(Unauthenticated):
            domain.check_signature(secret, body, header)
    with pytest.raises(Unauthenticated):
        domain.check_signature("s3cret", body + b" ", good)


def test_an_issue_update_is_read_for_its_status_category() -> None:
    update = domain.read_issue_updated(
        {
            "webhookEvent": "jira:issue_updated",
            "user": {"displayName": "Mia"},
            "issue": {
                "key": "PAY-4",
                "fields": {"status": {"name": "Done", "statusCategory": {"key": "done"}}},
            },
        }
    )
    assert update == domain.IssueUpdate("PAY-4", "done", "Done", "Mia")
    assert domain.read_issue_updated({"webhookEvent": "jira:issue_created"}) is None
    with pytest.raises(BadRequest, match="status"):
        domain.read_issue_updated({"webhookEvent": "jira:issue_updated", "issue": {"key": "X"}})
    with pytest.raises(BadRequest):
        domain.read_issue_updated([])
