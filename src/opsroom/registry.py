"""Every table opsroom has, for migrations and schema checks."""

from opsroom import keys
from opsroom.alerts import models as alert_models
from opsroom.alerts import service as alert_service
from opsroom.audit import models as audit_models
from opsroom.auth import models as auth_models
from opsroom.catalog import models as catalog_models
from opsroom.db import Base
from opsroom.incidents import models as incident_models
from opsroom.incidents import service as incident_service
from opsroom.jobs import models as jobs_models
from opsroom.notify import models as notify_models
from opsroom.notify import service as notify_service
from opsroom.oncall import models as oncall_models
from opsroom.oncall import service as oncall_service

MODEL_MODULES = (
    alert_models,
    audit_models,
    auth_models,
    catalog_models,
    incident_models,
    jobs_models,
    keys,
    notify_models,
    oncall_models,
)
# Modules whose timer handlers the worker must know.
HANDLER_MODULES = (incident_service, alert_service, notify_service, oncall_service)
metadata = Base.metadata
