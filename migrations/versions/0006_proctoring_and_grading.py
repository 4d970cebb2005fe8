"""Proctoring and grading: incidents, misconduct cases, inspections; sitting records, seals,
publications, appeals; records of a sitting kept for at least 3 years.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


SQLITE_RETENTION = [
    """CREATE TRIGGER sittings_retained BEFORE DELETE ON sittings
       WHEN OLD.starts_at > datetime('now', '-3 years')
       BEGIN SELECT RAISE(ABORT, 'a sitting is kept for 3 years after it was held'); END""",
    """CREATE TRIGGER sitting_records_retained BEFORE DELETE ON sitting_records
       WHEN (SELECT starts_at FROM sittings WHERE id = OLD.sitting_id) > datetime('now', '-3 years')
       BEGIN SELECT RAISE(ABORT, 'a sitting record is kept for 3 years after the sitting'); END""",
]
POSTGRES_RETENTION = [
    """CREATE FUNCTION examhall_retained() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE held timestamptz;
       BEGIN
         IF TG_TABLE_NAME = 'sittings' THEN held := OLD.starts_at;
         ELSE SELECT starts_at INTO held FROM sittings WHERE id = OLD.sitting_id;
         END IF;
         IF held > now() - interval '3 years' THEN
           RAISE EXCEPTION '% of a sitting held on % is kept for 3 years', TG_TABLE_NAME, held;
         END IF;
         RETURN OLD;
       END $$""",
    """CREATE TRIGGER sittings_retained BEFORE DELETE ON sittings
       FOR EACH ROW EXECUTE FUNCTION examhall_retained()""",
    """CREATE TRIGGER sitting_records_retained BEFORE DELETE ON sitting_records
       FOR EACH ROW EXECUTE FUNCTION examhall_retained()""",
]


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("inspector", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_inspections_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspections_sitting_id"), ["sitting_id"], unique=False)

    op.create_table(
        "publications",
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_publications_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("sitting_id", name=op.f("pk_publications")),
    )
    op.create_table(
        "seals",
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("leaves", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sealed_by", sa.String(length=100), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_seals_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("sitting_id", name=op.f("pk_seals")),
    )
    op.create_table(
        "sitting_records",
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column("filed_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_sitting_records_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("sitting_id", name=op.f("pk_sitting_records")),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("filed_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("original_score", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("regraded_score", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("proposed_score", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name=op.f("fk_appeals_attempt_id_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_attempt_id"), ["attempt_id"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name=op.f("fk_incidents_attempt_id_attempts")),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_incidents_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_sitting_id"), ["sitting_id"], unique=False)

    op.create_table(
        "misconduct_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name=op.f("fk_misconduct_cases_attempt_id_attempts")),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_misconduct_cases_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_misconduct_cases")),
    )
    with op.batch_alter_table("misconduct_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_misconduct_cases_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_misconduct_cases_sitting_id"), ["sitting_id"], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_RETENTION if postgres else SQLITE_RETENTION:
        op.execute(statement)


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER sittings_retained ON sittings"
        if op.get_bind().dialect.name == "postgresql"
        else "DROP TRIGGER sittings_retained"
    )
    with op.batch_alter_table("misconduct_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_misconduct_cases_sitting_id"))
        batch_op.drop_index(batch_op.f("ix_misconduct_cases_attempt_id"))

    op.drop_table("misconduct_cases")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_sitting_id"))

    op.drop_table("incidents")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_attempt_id"))

    op.drop_table("appeals")
    op.drop_table("sitting_records")
    op.drop_table("seals")
    op.drop_table("publications")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_sitting_id"))

    op.drop_table("inspections")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION examhall_retained()")
