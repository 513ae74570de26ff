"""Every table opsroom has, for migrations and schema checks."""

from opsroom import keys
from opsroom.alerts import models as alert_models
from opsroom.alerts import service as alert_service
from opsroom.audit import models as audit_models
from opsroom.auth import models as auth_models
from opsroom.catalog import models as catalog_models
from opsroom.changes import models as change_models
from opsroom.db import Base
from opsroom.incidents import models as incident_models
from opsroom.incidents import service as incident_service
from opsroom.jobs import models as jobs_models

MODEL_MODULES = (
    alert_models,
    audit_models,
    auth_models,
    catalog_models,
    change_models,
    incident_models,
    jobs_models,
    keys,
)
# Modules whose timer handlers the worker must know.
HANDLER_MODULES = (incident_service, alert_service)
metadata = Base.metadata
