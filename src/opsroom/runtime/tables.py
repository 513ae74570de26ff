"""Every table opsroom has, for migrations and schema checks."""

from opsroom.actions import models as action_models
from opsroom.alerts import models as alert_models
from opsroom.anomalies import models as anomaly_models
from opsroom.audit import models as audit_models
from opsroom.auth import models as auth_models
from opsroom.catalog import models as catalog_models
from opsroom.changes import models as change_models
from opsroom.desk import models as desk_models
from opsroom.incidents import models as incident_models
from opsroom.infra import keys
from opsroom.infra.db import Base
from opsroom.jobs import models as jobs_models
from opsroom.mailin import models as mail_models
from opsroom.notify import models as notify_models
from opsroom.oncall import models as oncall_models
from opsroom.outbound import models as outbound_models
from opsroom.problems import models as problem_models
from opsroom.reviews import models as review_models
from opsroom.risks import models as risk_models
from opsroom.runbooks import models as runbook_models
from opsroom.slos import models as slo_models
from opsroom.statuspage import models as statuspage_models
from opsroom.vendors import models as vendor_models

MODEL_MODULES = (
    action_models,
    alert_models,
    anomaly_models,
    audit_models,
    auth_models,
    catalog_models,
    change_models,
    desk_models,
    incident_models,
    jobs_models,
    keys,
    mail_models,
    problem_models,
    review_models,
    risk_models,
    runbook_models,
    slo_models,
    statuspage_models,
    notify_models,
    oncall_models,
    outbound_models,
    vendor_models,
)
metadata = Base.metadata
