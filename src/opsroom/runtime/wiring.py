"""Which reaction follows which domain event, and which handler runs which timer: the one
place where domains meet. A domain records an event (`opsroom.infra.events`) and never
imports the domains above it that react; the reactions run in the event's transaction,
before it commits. `install()` is called once by every entry point (the app, the CLI, the
tests) before it opens a unit of work."""

from __future__ import annotations

from opsroom.actions import service as actions
from opsroom.actions.domain import ActionRaised, SourceCited
from opsroom.alerts import service as alerts
from opsroom.anomalies import polling
from opsroom.anomalies import service as anomalies
from opsroom.auth.domain import (
    DefaultPlatformChosen,
    PlatformsAssigned,
    RequesterOrganisationNamed,
    VendorContactNamed,
)
from opsroom.catalog import service as catalog
from opsroom.catalog.domain import ServiceMoved
from opsroom.changes import governance as change_governance
from opsroom.changes.domain import ChangeMoved
from opsroom.desk import organisations as desk_organisations
from opsroom.desk import service as desk
from opsroom.desk import surveys as desk_surveys
from opsroom.improvement.domain import CategoriesReplaced
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import (
    IncidentDeclared,
    IncidentMoved,
    IncidentReprioritised,
    IncidentResolved,
    IncidentServicesAdded,
    StakeholderUpdateDue,
    StatusUpdatePosted,
)
from opsroom.infra import events
from opsroom.jobs import service as jobs
from opsroom.mailin import mailbox
from opsroom.notify import incident_news
from opsroom.oncall import service as oncall
from opsroom.outbound import publishing
from opsroom.outbound import service as outbound
from opsroom.problems import recurrence
from opsroom.problems import service as problems
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import ReviewPublished
from opsroom.risks import issues as risk_issues
from opsroom.risks import links as risk_links
from opsroom.risks import service as risks
from opsroom.runbooks import automation
from opsroom.runbooks import service as runbooks
from opsroom.slos import alerting as slo_alerting
from opsroom.slos import service as slos
from opsroom.statuspage import published as status_pages
from opsroom.statuspage import subscriptions as status_subscribers
from opsroom.vendors import contracts as vendor_contracts
from opsroom.vendors import service as vendors
from opsroom.vendors.domain import SupportRecorded

REACTIONS: events.Reactions = {
    IncidentDeclared: (
        oncall.page_on_declaration,
        incident_news.declared,
        incident_news.other_platforms,
        risk_links.propose_on_declaration,
        runbooks.attached_on_declaration,
        status_pages.forget_after_commit,
    ),
    IncidentReprioritised: (incident_news.reprioritised, status_pages.forget_after_commit),
    IncidentServicesAdded: (incident_news.services_added,),
    IncidentResolved: (
        reviews.draft_when_required,
        recurrence.detect_on_resolve,
        incident_news.resolved,
        risk_links.record_downtime,
        vendors.stop_on_resolve,
        desk_surveys.survey_incident,
    ),
    IncidentMoved: (oncall.stop_when_answered, status_pages.forget_after_commit),
    StatusUpdatePosted: (
        incident_news.status_update,
        desk.relay_incident_update,
        status_subscribers.tell_subscribers,
        status_pages.forget_after_commit,
    ),
    ChangeMoved: (status_pages.forget_after_commit,),
    StakeholderUpdateDue: (incident_news.update_due,),
    VendorContactNamed: (catalog.check_contact,),
    RequesterOrganisationNamed: (desk_organisations.check_requester,),
    SupportRecorded: (risk_issues.track_out_of_support,),
    PlatformsAssigned: (catalog.check_assignment,),
    DefaultPlatformChosen: (catalog.check_default_platform,),
    ServiceMoved: (
        change_governance.refuse_leaving_a_freeze,
        change_governance.note_service_moved,
        incidents.note_service_moved,
    ),
    SourceCited: (reviews.check_citation, problems.check_citation, risks.check_citation),
    CategoriesReplaced: (problems.keep_categories_in_use,),
    ReviewPublished: (outbound.page_on_publish,),
    ActionRaised: (outbound.issue_on_raise,),
}

TIMERS: jobs.Kinds = {
    incidents.SLA_TIMER: jobs.each(incidents.check_sla),
    incidents.UPDATE_TIMER: jobs.each(incidents.remind_update_due),
    oncall.ESCALATE_TIMER: jobs.together(oncall.escalate),
    actions.DUE_TIMER: jobs.each(actions.remind_due),
    actions.ESCALATION_TIMER: jobs.each(actions.escalate_overdue),
    reviews.DUE_TIMER: jobs.each(reviews.flag_overdue),
    alerts.PURGE_TIMER: jobs.each(alerts.purge_when_due),
    risks.ACCEPTANCE_TIMER: jobs.each(risks.acceptance_expired),
    risk_issues.OVERDUE_TIMER: jobs.each(risk_issues.escalate_overdue),
    desk.SLA_TIMER: jobs.each(desk.check_sla),
    desk_surveys.REMINDER_TIMER: jobs.each(desk_surveys.remind),
    anomalies.POLL_TIMER: jobs.each(polling.poll),
    slos.EVALUATE_TIMER: jobs.each(slo_alerting.evaluate),
    vendors.ESCALATION_TIMER: jobs.each(vendors.escalate),
    vendor_contracts.RENEWAL_TIMER: jobs.each(vendor_contracts.renewal_due),
    mailbox.FETCH_TIMER: jobs.each(mailbox.fetch),
    outbound.ISSUE_TIMER: jobs.each(publishing.create_issue),
    outbound.PAGE_TIMER: jobs.each(publishing.publish_page),
    runbooks.ATTACHED_TIMER: jobs.each(runbooks.run_attached),
    runbooks.LAUNCH_TIMER: jobs.each(automation.launch),
    runbooks.POLL_TIMER: jobs.each(automation.poll),
}


def install() -> None:
    events.install(REACTIONS)
