"""The wiring, listed: which reactions follow which domain event, and which handler runs
each kind of timer. A change here changes what happens across domains, so it is spelled out."""

from __future__ import annotations

from opsroom.runtime.wiring import REACTIONS, TIMERS


def _name(fn: object) -> str:
    return f"{fn.__module__.removeprefix('opsroom.')}.{fn.__name__}"  # type: ignore[attr-defined]


def test_each_event_has_its_reactions_in_order() -> None:
    listed = {
        event.__name__: [_name(r) for r in reactions] for event, reactions in REACTIONS.items()
    }
    assert listed == {
        "IncidentDeclared": [
            "oncall.escalation.page_on_declaration",
            "notify.incident_news.declared",
            "notify.incident_news.other_platforms",
            "risks.links.propose_on_declaration",
            "runbooks.service.attached_on_declaration",
            "statuspage.published.forget_after_commit",
        ],
        "IncidentReprioritised": [
            "notify.incident_news.reprioritised",
            "statuspage.published.forget_after_commit",
        ],
        "IncidentServicesAdded": ["notify.incident_news.services_added"],
        "IncidentResolved": [
            "reviews.service.draft_when_required",
            "problems.recurrence.detect_on_resolve",
            "notify.incident_news.resolved",
            "risks.links.record_downtime",
            "vendors.service.stop_on_resolve",
            "desk.surveys.survey_incident",
        ],
        "IncidentMoved": [
            "oncall.escalation.stop_when_answered",
            "statuspage.published.forget_after_commit",
        ],
        "StatusUpdatePosted": [
            "notify.incident_news.status_update",
            "desk.service.relay_incident_update",
            "statuspage.subscriptions.tell_subscribers",
            "statuspage.published.forget_after_commit",
        ],
        "ChangeMoved": ["statuspage.published.forget_after_commit"],
        "StakeholderUpdateDue": ["notify.incident_news.update_due"],
        "VendorContactNamed": ["catalog.vendors.check_contact"],
        "RequesterOrganisationNamed": ["desk.organisations.check_requester"],
        "SupportRecorded": ["risks.issues.track_out_of_support"],
        "PlatformsAssigned": ["catalog.service.check_assignment"],
        "DefaultPlatformChosen": ["catalog.service.check_default_platform"],
        # A freeze of the platform a service leaves may refuse the move before anything is told.
        "ServiceMoved": [
            "changes.governance.refuse_leaving_a_freeze",
            "changes.governance.note_service_moved",
            "incidents.service.note_service_moved",
        ],
        "SourceCited": [
            "reviews.service.check_citation",
            "problems.service.check_citation",
            "risks.service.check_citation",
        ],
        "CategoriesReplaced": ["problems.service.keep_categories_in_use"],
        "ReviewPublished": ["outbound.service.page_on_publish"],
        "ActionRaised": ["outbound.service.issue_on_raise"],
    }


def test_each_timer_kind_has_one_handler() -> None:
    batched = {kind for kind, runs in TIMERS.items() if runs.batched}
    assert sorted(TIMERS) == [
        "action.due",
        "action.escalate",
        "alerts.purge_raw",
        "anomalies.poll",
        "desk.sla",
        "desk.survey_reminder",
        "incident.sla",
        "incident.update_due",
        "issue.overdue",
        "mail.fetch",
        "oncall.escalate",
        "outbound.confluence_page",
        "outbound.jira_issue",
        "review.due",
        "risk.acceptance_expires",
        "runbook.attached",
        "runbook.launch",
        "runbook.poll",
        "slo.evaluate",
        "vendor.contract_renewal",
        "vendor.escalate",
    ]
    assert batched == {"oncall.escalate"}


def test_reactions_live_above_the_domain_whose_event_they_answer() -> None:
    for event, reactions in REACTIONS.items():
        own = event.__module__.split(".")[1]
        assert all(r.__module__.split(".")[1] != own for r in reactions), event.__name__
