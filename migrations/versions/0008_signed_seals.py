"""Signed seals: one seals table for every kind of subject (sittings and assessments), the exam
body's signatures of each seal and of every event after it, both append-only; and guards that
refuse changing the answers and the result of an attempt once its sitting is sealed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The columns that make an attempt's result; after the seal none of them changes.
RESULT_COLUMNS = (
    "score",
    "score_detail",
    "voided",
    "state",
    "started_at",
    "submitted_at",
    "paper_id",
    "registration_id",
    "sitting_id",
)
SEALED_ATTEMPT = "(SELECT state FROM sittings WHERE id = OLD.sitting_id) = 'sealed'"
SEALED_ANSWER = (
    "(SELECT s.state FROM attempts a JOIN sittings s ON s.id = a.sitting_id WHERE a.id = OLD.attempt_id) = 'sealed'"
)

SQLITE_TRIGGERS = [
    *(
        f"""CREATE TRIGGER {table}_no_{op_name} BEFORE {op_name.upper()} ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} are written once: {op_name.upper()} refused'); END"""
        for table in ("trace_seals", "trace_signatures")
        for op_name in ("update", "delete")
    ),
    f"""CREATE TRIGGER answers_sealed_update BEFORE UPDATE ON answers WHEN {SEALED_ANSWER}
        BEGIN SELECT RAISE(ABORT, 'the answers of a sealed sitting cannot change'); END""",
    f"""CREATE TRIGGER answers_sealed_delete BEFORE DELETE ON answers WHEN {SEALED_ANSWER}
        BEGIN SELECT RAISE(ABORT, 'the answers of a sealed sitting cannot change'); END""",
    f"""CREATE TRIGGER attempts_sealed_update BEFORE UPDATE OF {", ".join(RESULT_COLUMNS)} ON attempts
        WHEN ({" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in RESULT_COLUMNS)}) AND {SEALED_ATTEMPT}
        BEGIN SELECT RAISE(ABORT, 'the result of an attempt of a sealed sitting cannot change'); END""",
    f"""CREATE TRIGGER attempts_sealed_delete BEFORE DELETE ON attempts WHEN {SEALED_ATTEMPT}
        BEGIN SELECT RAISE(ABORT, 'an attempt of a sealed sitting cannot be removed'); END""",
]

POSTGRES_TRIGGERS = [
    *(
        f"""CREATE TRIGGER {table}_written_once BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION examhall_refuse_change()"""
        for table in ("trace_seals", "trace_signatures")
    ),
    *(
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION examhall_refuse_change()"""
        for table in ("trace_seals", "trace_signatures")
    ),
    """CREATE FUNCTION examhall_sealed_answer() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (SELECT s.state FROM attempts a JOIN sittings s ON s.id = a.sitting_id WHERE a.id = OLD.attempt_id)
            = 'sealed' THEN
           RAISE EXCEPTION 'the answers of a sealed sitting cannot change: % refused', TG_OP;
         END IF;
         RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
       END $$""",
    """CREATE FUNCTION examhall_sealed_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (SELECT state FROM sittings WHERE id = OLD.sitting_id) = 'sealed' THEN
           RAISE EXCEPTION 'the result of an attempt of a sealed sitting cannot change: % refused', TG_OP;
         END IF;
         RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
       END $$""",
    """CREATE TRIGGER answers_sealed BEFORE UPDATE OR DELETE ON answers
       FOR EACH ROW EXECUTE FUNCTION examhall_sealed_answer()""",
    f"""CREATE TRIGGER attempts_sealed_update BEFORE UPDATE OF {", ".join(RESULT_COLUMNS)} ON attempts
        FOR EACH ROW WHEN ({
        " OR ".join(
            f"OLD.{c}::text IS DISTINCT FROM NEW.{c}::text"
            if c == "score_detail"
            else f"OLD.{c} IS DISTINCT FROM NEW.{c}"
            for c in RESULT_COLUMNS
        )
    })
        EXECUTE FUNCTION examhall_sealed_attempt()""",
    """CREATE TRIGGER attempts_sealed_delete BEFORE DELETE ON attempts
       FOR EACH ROW EXECUTE FUNCTION examhall_sealed_attempt()""",
]

DROP_SQLITE = [
    *(
        f"DROP TRIGGER {table}_no_{op_name}"
        for table in ("trace_seals", "trace_signatures")
        for op_name in ("update", "delete")
    ),
    "DROP TRIGGER answers_sealed_update",
    "DROP TRIGGER answers_sealed_delete",
    "DROP TRIGGER attempts_sealed_update",
    "DROP TRIGGER attempts_sealed_delete",
]
DROP_POSTGRES = [
    "DROP TRIGGER answers_sealed ON answers",
    "DROP TRIGGER attempts_sealed_update ON attempts",
    "DROP TRIGGER attempts_sealed_delete ON attempts",
    "DROP FUNCTION examhall_sealed_answer()",
    "DROP FUNCTION examhall_sealed_attempt()",
]


def _old_seal_columns(key: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("leaves", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sealed_by", sa.String(length=100), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "trace_seals",
        sa.Column("chain", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("leaves", sa.JSON(), nullable=False),
        sa.Column("sealed_by", sa.String(100), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_trace_seals")),
    )
    op.create_table(
        "trace_signatures",
        sa.Column("chain", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("chain", "position", name=op.f("pk_trace_signatures")),
    )
    # Seals made before this revision move over as they are: they carry no signature, and their
    # check says so.
    op.execute(
        "INSERT INTO trace_seals (chain, position, root, leaves, sealed_by, sealed_at) "
        "SELECT 'sitting:' || sitting_id, position, root, leaves, sealed_by, sealed_at FROM seals"
    )
    op.execute(
        "INSERT INTO trace_seals (chain, position, root, leaves, sealed_by, sealed_at) "
        "SELECT 'assessment:' || assessment_id, position, root, leaves, sealed_by, sealed_at FROM assessment_seals"
    )
    op.drop_table("seals")
    op.drop_table("assessment_seals")
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in DROP_POSTGRES if postgres else DROP_SQLITE:
        op.execute(statement)
    op.create_table(
        "seals",
        *_old_seal_columns("sitting_id"),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_seals_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("sitting_id", name=op.f("pk_seals")),
    )
    op.create_table(
        "assessment_seals",
        *_old_seal_columns("assessment_id"),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_assessment_seals_assessment_id_assessments")
        ),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_assessment_seals")),
    )
    op.execute(
        "INSERT INTO seals (sitting_id, position, root, leaves, sealed_by, sealed_at) "
        "SELECT CAST(substr(chain, 9) AS INTEGER), position, root, leaves, sealed_by, sealed_at "
        "FROM trace_seals WHERE chain LIKE 'sitting:%'"
    )
    op.execute(
        "INSERT INTO assessment_seals (assessment_id, position, root, leaves, sealed_by, sealed_at) "
        "SELECT CAST(substr(chain, 12) AS INTEGER), position, root, leaves, sealed_by, sealed_at "
        "FROM trace_seals WHERE chain LIKE 'assessment:%'"
    )
    op.drop_table("trace_signatures")
    op.drop_table("trace_seals")
