"""The demo history's cast and stories: who works the incidents, the everyday troubles, and
the major incidents told in full (incidents/demo_history.py plays them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# --- the people who work the incidents (responder accounts of their own) ------------------

# The on-call engineer of each squad declares and works that squad's incidents.
ON_CALL = {
    "identity-access": ("jonas.becker@example.com", "Jonas Becker"),
    "supplier-experience": ("daniel.novak@example.com", "Daniel Novak"),
    "catalog-search": ("marco.bianchi@example.com", "Marco Bianchi"),
    "ordering": ("ines.carvalho@example.com", "Ines Carvalho"),
    "invoicing-payments": ("pieter.devries@example.com", "Pieter de Vries"),
    "integration": ("amara.obi@example.com", "Amara Obi"),
    "data-platform": ("ben.carter@example.com", "Ben Carter"),
    "platform-sre": ("niamh.byrne@example.com", "Niamh Byrne"),
    "storefront": ("luca.romano@example.com", "Luca Romano"),
    "checkout": ("maya.cohen@example.com", "Maya Cohen"),
}
COMMANDERS = (
    ("karin.holm@example.com", "Karin Holm"),
    ("ade.adeyemi@example.com", "Ade Adeyemi"),
    ("oliver.grant@example.com", "Oliver Grant"),
)
COMMUNICATIONS_LEADS = (
    ("emma.jansen@example.com", "Emma Jansen"),
    ("sofia.russo@example.com", "Sofia Russo"),
)
SCRIBES = (("yuki.sato@example.com", "Yuki Sato"), ("chloe.martin@example.com", "Chloe Martin"))
PEOPLE = (*ON_CALL.values(), *COMMANDERS, *COMMUNICATIONS_LEADS, *SCRIBES)

# --- what goes wrong ----------------------------------------------------------------------


@dataclass(frozen=True)
class Trouble:
    """An everyday incident: where, what people called it, and what fixed it."""

    services: tuple[str, ...]
    title: str
    fix: str


TROUBLES = tuple(
    Trouble(tuple(s.split()), t, f)
    for s, t, f in (
        (
            "kubernetes-platform",
            "Node pool scale-up stuck: pods pending in eu-west-1b",
            "Raised the node group's maximum and replaced the stuck autoscaler pod",
        ),
        (
            "kubernetes-platform",
            "Cluster DNS latency spikes causing intermittent timeouts",
            "Scaled CoreDNS and enabled the node-local DNS cache",
        ),
        (
            "postgres-core",
            "PostgreSQL core replica lag above 5 minutes",
            "Stopped the long-running report query on the replica",
        ),
        (
            "postgres-core supplier-onboarding-api",
            "Connection pool exhausted on postgres-core",
            "Fixed the connection leak in the onboarding API; pool size raised",
        ),
        (
            "postgres-finance",
            "Finance database storage at 90%",
            "Extended the volume and archived last year's matching audit rows",
        ),
        (
            "redis-cache pricing-service",
            "Redis evictions climbing: price cache hit rate down to 60%",
            "Raised maxmemory and shortened the session key TTL",
        ),
        (
            "object-storage invoice-capture",
            "Invoice image uploads failing with 403 after bucket policy change",
            "Reverted the bucket policy change",
        ),
        (
            "cdn-waf supplier-portal",
            "WAF blocking supplier invoice uploads (false positive on rule 942100)",
            "EdgeShield added an exception for the invoice upload path",
        ),
        (
            "cdn-waf buyer-portal",
            "CDN serving stale buyer portal assets after release",
            "Purged the CDN cache for /static and fixed the cache headers",
        ),
        (
            "secrets-vault erp-connector",
            "Vault token renewals failing for the ERP connector",
            "Re-issued the connector's AppRole secret and restarted it",
        ),
        (
            "observability",
            "Alert routing delayed by 10 minutes",
            "Restarted Alertmanager stuck in a configuration reload loop",
        ),
        (
            "observability",
            "Log ingestion dropping 15% of lines",
            "Scaled the log shippers and raised the ingestion quota",
        ),
        (
            "feature-flags supplier-portal",
            "Feature flag evaluations timing out in the supplier portal",
            "Failed the flag service over to its standby",
        ),
        (
            "api-gateway",
            "API gateway 504s on the partner API during peak",
            "Raised upstream timeouts and added two gateway replicas",
        ),
        (
            "api-gateway edi-gateway",
            "Rate limiter blocking EDI partner traffic",
            "Gave the partner's client its own, higher quota",
        ),
        (
            "identity-provider",
            "SAML sign-in failing for one supplier group",
            "Imported the supplier's renewed identity provider metadata",
        ),
        (
            "identity-provider",
            "Slow sign-in: identity provider p95 above 4 s",
            "Rebuilt the session table index; p95 back to 400 ms",
        ),
        (
            "auth-service",
            "Token validation errors after signing key rotation",
            "Refreshed the JWKS cache on every gateway node",
        ),
        (
            "legacy-ldap-sync",
            "Nightly LDAP sync did not run",
            "Re-ran the sync by hand and fixed the cron schedule",
        ),
        (
            "message-bus invoice-matching",
            "Kafka consumer lag growing on invoice-events",
            "Rebalanced partitions and restarted the stuck consumer",
        ),
        (
            "message-bus",
            "Kafka under-replicated partitions after broker maintenance",
            "Nimbus finished the broker replacement; replicas back in sync",
        ),
        (
            "schema-registry",
            "Schema registry rejecting a compatible schema change",
            "Set the subject's compatibility level back to BACKWARD",
        ),
        (
            "erp-connector goods-receipt",
            "ERP postings delayed: goods receipts two hours behind",
            "Ledgerline cleared the blocked import queue on their side",
        ),
        (
            "erp-connector",
            "ERP connector failing on new cost centre codes",
            "Mapped the new cost centres and replayed 312 postings",
        ),
        (
            "notification-service approvals-workflow",
            "Approval emails delayed by up to an hour",
            "Unblocked the mail relay queue and sent the backlog",
        ),
        (
            "notification-service",
            "Suppliers receiving duplicate order confirmations",
            "Fixed the idempotency key in the confirmation consumer",
        ),
        (
            "edi-gateway",
            "EDI invoices from a large supplier rejected: AS2 certificate expired",
            "Installed the supplier's renewed AS2 certificate",
        ),
        (
            "supplier-portal",
            "Supplier portal 502s after deploy",
            "Rolled back to the previous release",
        ),
        (
            "supplier-portal",
            "Supplier portal invoice list slow to load",
            "Removed an N+1 query from the invoice list",
        ),
        (
            "supplier-onboarding-api document-archive",
            "Supplier onboarding stuck at document upload",
            "Restarted the archive client after a certificate refresh",
        ),
        (
            "supplier-master-data erp-connector",
            "Supplier bank account changes not reaching the ERP",
            "Replayed the change events after the connector fix",
        ),
        (
            "sanctions-screening",
            "Sanctions list refresh failed: screening on yesterday's list",
            "Re-ran the list import against the provider's new feed address",
        ),
        (
            "catalog-service",
            "Catalog imports failing for CSV files over 50 MB",
            "Raised the upload limit and moved parsing to a batch job",
        ),
        (
            "search-index catalog-indexer",
            "Search index lagging 20 min",
            "Added an indexer replica and tuned the refresh interval",
        ),
        (
            "search-index",
            "OpenSearch cluster yellow: unassigned replica shards",
            "Replaced the failed data node; shards reallocated",
        ),
        (
            "catalog-indexer",
            "Catalog indexer crash-looping on a malformed item",
            "Skipped the bad item and added input validation",
        ),
        (
            "search-api",
            "Search returning no results for some buyers",
            "Fixed cache invalidation of the visibility rules",
        ),
        (
            "pricing-service",
            "Contract prices shown without volume discount",
            "Restored the discount tiers from last night's backup",
        ),
        (
            "punchout-gateway",
            "Punch-out to the office supplies shop failing",
            "The supplier fixed their cXML endpoint",
        ),
        (
            "buyer-portal",
            "Buyer portal blank page in Safari after release",
            "Hotfix for the unsupported JavaScript syntax",
        ),
        (
            "buyer-portal",
            "Buyer portal slow to load the order list",
            "Paginated the order list call",
        ),
        (
            "requisitions",
            "Requisitions stuck in 'checking budget'",
            "Restarted the budget check worker and fixed its retry",
        ),
        (
            "approvals-workflow",
            "Approvals routed to former managers",
            "Refreshed the org chart import and re-routed 41 approvals",
        ),
        (
            "approvals-workflow",
            "Approval reminders not sent",
            "Re-enabled the reminder job after the scheduler migration",
        ),
        (
            "purchase-orders",
            "Purchase orders not emailed to suppliers",
            "Restored the PDF renderer's fonts after the base image update",
        ),
        (
            "goods-receipt",
            "Goods receipts failing for partial deliveries",
            "Fixed quantity rounding on partial receipts",
        ),
        (
            "invoice-capture",
            "OCR queue backlog: invoices waiting more than 6 hours",
            "ScanWise added capacity; the backlog cleared overnight",
        ),
        (
            "invoice-matching",
            "Invoice matching backlog growing",
            "Scaled the matching workers and released the stuck batch",
        ),
        (
            "invoice-matching",
            "Invoices failing three-way match on currency rounding",
            "Restored the currency rounding tolerance",
        ),
        (
            "tax-engine",
            "Tax engine returning an outdated VAT rate for Estonia",
            "Taxora published the new rate; rate cache flushed",
        ),
        (
            "tax-engine checkout-service",
            "Tax calculation p99 above 2 s",
            "Taxora fixed a routing problem in their EU region",
        ),
        (
            "payments",
            "Payment status callbacks from Payflow delayed",
            "Payflow replayed the delayed webhooks",
        ),
        (
            "payment-scheduler",
            "Daily payment run started late",
            "Moved the run after the ERP sync and re-ran it",
        ),
        (
            "data-warehouse reporting",
            "Warehouse load failed: spend data a day old",
            "Fixed the schema drift and re-ran the load",
        ),
        ("reporting", "Spend dashboards timing out", "Pre-aggregated the category report"),
        (
            "document-archive",
            "Document archive writes slow",
            "Replaced the overloaded storage gateway node",
        ),
        (
            "legacy-bi-reports",
            "Month-end BI report not generated",
            "Restarted the report server and regenerated the report",
        ),
        (
            "commerce-db",
            "Commerce database CPU at 95% during the sale",
            "Added the missing index on order lookups",
        ),
        ("product-api", "Product pages missing prices", "Restarted the catalog sync; prices back"),
        (
            "cart-service",
            "Cart totals not updating after a quantity change",
            "Fixed the cache key of priced carts",
        ),
        (
            "checkout-service",
            "3-D Secure challenge failing for one card scheme",
            "Payflow corrected the scheme configuration",
        ),
        (
            "storefront-web",
            "Storefront images not loading on mobile",
            "Fixed the image CDN path after the release",
        ),
        (
            "order-history",
            "Order history shows some orders twice",
            "De-duplicated the sync job's writes",
        ),
    )
)

NOTES = (
    "Checked recent changes: nothing deployed to the service in the last 24 hours.",
    "Error rate flat at about 2%; no complaints from users so far.",
    "Following the runbook; the first step (restart) did not help.",
    "Dashboards and the relevant logs are linked in the squad channel.",
    "Looks related to an upstream dependency; asked its owners to have a look.",
    "Workaround shared with the service desk.",
    "Reproduced in staging.",
    "Rolled the canary back; watching the error rate.",
)


@dataclass(frozen=True)
class Story:
    """A major incident, told in full: cause, mitigation, fix, notes and follow-up tasks."""

    title: str
    services: tuple[str, ...]
    affected: str  # what users could not do, as a status update says it
    cause: str
    mitigation: str
    fix: str
    notes: tuple[str, ...]
    tasks: tuple[str, ...]
    duplicate: Trouble  # the same outage, reported separately before it was merged
    vendor: str | None = None


MAJOR_STORIES = (
    Story(
        "Purchase orders and payments not posting to the ERP",
        ("erp-connector", "purchase-orders"),
        "order confirmations and supplier payments",
        "Ledgerline's integration adapter rejects our calls after a certificate change on their side",
        "the connector is paused, so postings queue on the bus and nothing is lost",
        "Ledgerline rolled back the adapter certificate; 2,480 queued postings replayed",
        (
            "ERP connector error rate at 100%: every call fails the TLS handshake.",
            "Nothing changed on our side: the last connector deploy was six days ago.",
            "Ledgerline premier support confirms a certificate change on their integration adapter this morning.",
            "Connector consumers paused; postings now queue on the bus (7 days retention).",
            "Ledgerline is rolling back; the first test posting went through.",
            "Replaying the queued postings at about 400 a minute.",
        ),
        (
            "Open a P1 with Ledgerline premier support",
            "Pause the ERP connector consumers",
            "Replay queued postings after the fix",
            "Agree advance notice of certificate changes with Ledgerline",
        ),
        Trouble(("payment-scheduler",), "Suppliers report payments missing from today's run", ""),
        vendor="ledgerline",
    ),
    Story(
        "Buyer portal sign-in loop after identity provider certificate rotation",
        ("identity-provider", "buyer-portal"),
        "signing in to the buyer and supplier portals",
        "the rotated SAML signing certificate was not published to the portals' trust stores",
        "the previous signing certificate is active again",
        "new certificate published to every relying party, then rotated again as a planned change",
        (
            "Every sign-in redirects back to the login page; users see no error.",
            "Started minutes after the scheduled signing certificate rotation.",
            "Portal logs show 'signature validation failed' on every SAML response.",
            "Rolled the identity provider back to the previous signing certificate.",
            "Sign-in works again for new sessions; supplier portal recovered as well.",
        ),
        (
            "Roll back the signing certificate",
            "List every relying party that pins the certificate",
            "Plan the re-rotation as a normal change",
        ),
        Trouble(("supplier-portal",), "Suppliers cannot sign in to the supplier portal", ""),
    ),
    Story(
        "Kafka brokers out of disk: order and invoice events stalled",
        ("message-bus", "purchase-orders", "invoice-matching"),
        "order confirmations and invoice processing",
        "a topic created without a retention limit filled the broker disks",
        "retention set on the runaway topic and the broker volumes extended",
        "old segments deleted, brokers healthy and every consumer caught up",
        (
            "Three of five brokers report full disks; producers get NOT_ENOUGH_REPLICAS.",
            "Topic catalog-snapshots has unlimited retention and grew 1.8 TB in two days.",
            "Nimbus support is extending the broker volumes.",
            "Retention on catalog-snapshots set to 6 hours; disk usage falling.",
            "Producers recovered; invoice-events consumer lag 2.1 M and shrinking.",
            "All consumers caught up.",
        ),
        (
            "Set retention on catalog-snapshots",
            "Extend the broker volumes with Nimbus",
            "Alert on broker disk usage above 75%",
            "Check topic settings in the schema pipeline",
        ),
        Trouble(("invoice-matching",), "Invoice matching backlog growing fast", ""),
        vendor="nimbus-cloud",
    ),
    Story(
        "Checkout failing: tax calculation timing out",
        ("checkout-service", "tax-engine"),
        "checkout in the web shop",
        "Taxora's EU endpoint answers in 8-12 s after a failed release on their side",
        "checkout uses cached VAT rates for standard-rated items",
        "Taxora rolled back their release; tax calculation back to 150 ms",
        (
            "Checkout conversion down 70%; the errors are timeouts calling the tax engine.",
            "Tax engine p99 latency is 11 s; Taxora's status page says all systems operational.",
            "Taxora support engaged: they see elevated latency in their EU region.",
            "Turned on the cached VAT rate fallback for standard-rated items.",
            "Checkout success rate back to 97% on the fallback.",
        ),
        (
            "Enable the cached VAT rate fallback",
            "Escalate to Taxora level 2",
            "Review the tax engine's timeouts and circuit breaker",
        ),
        Trouble(("storefront-web",), "Web shop customers cannot complete orders", ""),
        vendor="taxora",
    ),
    Story(
        "PostgreSQL core failover loop: requisitions and orders failing",
        ("postgres-core", "requisitions", "purchase-orders"),
        "creating requisitions and purchase orders",
        "the primary's health check timed out under heavy vacuuming, triggering failover after failover",
        "automatic failover paused with the healthy node as primary",
        "health check timeout raised and autovacuum settings tuned",
        (
            "Four failovers in 20 minutes; every failover drops all connections.",
            "Each failover follows a health check timeout on the primary.",
            "Autovacuum on the requisition lines table is saturating disk I/O.",
            "Nimbus support paused automatic failover at our request.",
            "Primary stable for 30 minutes; error rates back to normal.",
        ),
        (
            "Pause automatic failover with Nimbus",
            "Tune autovacuum on the large tables",
            "Raise the health check timeout",
        ),
        Trouble(("requisitions",), "Buyers cannot submit requisitions", ""),
        vendor="nimbus-cloud",
    ),
)
MAJOR_DAYS_AGO = (104, 81, 57, 33, 12)

OPEN_MAJOR = Story(
    "Checkout card payments failing for 1 in 3 customers",
    ("checkout-service", "payments"),
    "card payments in the web shop",
    "Payflow's card acquiring gateway is degraded in one of their data centres",
    "",
    "",
    (
        "Card authorisation failures at 31%, all on Payflow's card acquiring API.",
        "No deploys to checkout or payments today.",
        "Payflow merchant support engaged; they are checking their acquiring gateway.",
        "Retries with backoff enabled for declined-with-error responses; failures down to 24%.",
    ),
    (
        "Open a P1 with Payflow merchant support",
        "Prepare a notice for the web shop banner",
        "Check settlement reports for double charges",
    ),
    Trouble(("storefront-web",), "Web shop customers report declined cards", ""),
    vendor="payflow",
)
OPEN_MAJOR_AGE = timedelta(minutes=40)
