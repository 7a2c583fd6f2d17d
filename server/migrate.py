"""Schema migrations (Alembic, server/migrations/): upgrade, and the check that a database is at
the revision this code needs.

PUBLIC API:
    upgrade(url_or_engine, revision="head") -> str     the revision the database is now at
    downgrade(url_or_engine, revision) -> str
    head_revision() -> str
    current_revision(engine) -> str | None              None: an empty database
    check_at_head(engine)                               raises SchemaNotCurrent (clear message)
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from server.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaNotCurrent(Exception):
    """The database is empty, behind, or ahead of this code's migrations."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _run(target: str | Engine, action: str, revision: str) -> str:
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as conn:
            config = _config()
            config.attributes["connection"] = conn
            getattr(command, action)(config, revision)
        return current_revision(engine) or "base"
    finally:
        if isinstance(target, str):
            engine.dispose()


def upgrade(target: str | Engine, revision: str = "head") -> str:
    return _run(target, "upgrade", revision)


def downgrade(target: str | Engine, revision: str) -> str:
    return _run(target, "downgrade", revision)


def check_at_head(engine: Engine) -> None:
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    url = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaNotCurrent(
            f"the database {url} has no Patrol schema yet: run `patrol-server db upgrade`"
        )
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current not in known:
        raise SchemaNotCurrent(
            f"the database {url} is at revision {current}, which this version of Patrol does "
            f"not know (a newer server migrated it?); it needs {head}"
        )
    raise SchemaNotCurrent(
        f"the database {url} is at revision {current}, this server needs {head}: "
        f"run `patrol-server db upgrade`"
    )
