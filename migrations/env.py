"""Alembic environment: the URL comes from examhall's settings unless the caller gives one."""

from alembic import context
from sqlalchemy.engine import Connection

from examhall.config import Settings
from examhall.db import make_engine
from examhall.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings().database_url


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=url.startswith("sqlite")
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(Settings(database_url=url))
    try:
        with engine.connect() as connection:
            run(connection)
    finally:
        engine.dispose()
