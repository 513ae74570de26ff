from alembic import context

from opsroom.infra.config import Settings
from opsroom.infra.db import get_engine
from opsroom.runtime.tables import metadata

settings: Settings = context.config.attributes.get("settings") or Settings()
engine = get_engine(settings)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
