"""Every table opsroom has, for migrations and schema checks."""

from opsroom.audit import models as audit_models
from opsroom.auth import models as auth_models
from opsroom.catalog import models as catalog_models
from opsroom.db import Base
from opsroom.jobs import models as jobs_models

MODEL_MODULES = (audit_models, auth_models, catalog_models, jobs_models)
metadata = Base.metadata
