"""Foundation: staff accounts, failed logins, and the append-only trace.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER trace_events_no_update BEFORE UPDATE ON trace_events
       BEGIN SELECT RAISE(ABORT, 'trace events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER trace_events_no_delete BEFORE DELETE ON trace_events
       BEGIN SELECT RAISE(ABORT, 'trace events are append-only: DELETE refused'); END""",
    """CREATE TRIGGER trace_heads_forward BEFORE UPDATE ON trace_heads
       WHEN NEW.position <= OLD.position OR NEW.chain <> OLD.chain
       BEGIN SELECT RAISE(ABORT, 'a trace head only moves forward'); END""",
    """CREATE TRIGGER trace_heads_no_delete BEFORE DELETE ON trace_heads
       BEGIN SELECT RAISE(ABORT, 'trace heads are never removed'); END""",
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION examhall_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'trace events are append-only: % refused', TG_OP; END $$""",
    """CREATE FUNCTION examhall_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'UPDATE' OR NEW.position <= OLD.position OR NEW.chain <> OLD.chain THEN
           RAISE EXCEPTION 'a trace head only moves forward: % refused', TG_OP;
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER trace_events_append_only BEFORE UPDATE OR DELETE ON trace_events
       FOR EACH ROW EXECUTE FUNCTION examhall_refuse_change()""",
    """CREATE TRIGGER trace_events_no_truncate BEFORE TRUNCATE ON trace_events
       FOR EACH STATEMENT EXECUTE FUNCTION examhall_refuse_change()""",
    """CREATE TRIGGER trace_heads_forward BEFORE UPDATE OR DELETE ON trace_heads
       FOR EACH ROW EXECUTE FUNCTION examhall_head_forward()""",
    """CREATE TRIGGER trace_heads_no_truncate BEFORE TRUNCATE ON trace_heads
       FOR EACH STATEMENT EXECUTE FUNCTION examhall_refuse_change()""",
]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("session_generation", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"])
    op.create_index(op.f("ix_login_failures_username"), "login_failures", ["username"])
    op.create_index(op.f("ix_login_failures_client"), "login_failures", ["client"])
    op.create_table(
        "trace_events",
        sa.Column("chain", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("chain", "position", name=op.f("pk_trace_events")),
    )
    op.create_table(
        "trace_heads",
        sa.Column("chain", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_trace_heads")),
    )
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("trace_heads")  # its triggers go with it
    op.drop_table("trace_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION examhall_head_forward()")
        op.execute("DROP FUNCTION examhall_refuse_change()")
    op.drop_index(op.f("ix_login_failures_client"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_username"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("users")
