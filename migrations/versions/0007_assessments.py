"""Assessments: plans, assessments and their candidates, the judge pool with declared
conflicts, panels, judges' scores, disagreements, the practical task bank (versions never
change: the database refuses UPDATE and DELETE) and its draws, seals, and the teacher pool.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER practical_task_versions_no_update BEFORE UPDATE ON practical_task_versions
       BEGIN SELECT RAISE(ABORT, 'practical task versions never change: UPDATE refused'); END""",
    """CREATE TRIGGER practical_task_versions_no_delete BEFORE DELETE ON practical_task_versions
       BEGIN SELECT RAISE(ABORT, 'practical task versions never change: DELETE refused'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION examhall_task_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'practical task versions never change: % refused', TG_OP; END $$""",
    """CREATE TRIGGER practical_task_versions_frozen BEFORE UPDATE OR DELETE ON practical_task_versions
       FOR EACH ROW EXECUTE FUNCTION examhall_task_version_frozen()""",
]


def upgrade() -> None:
    op.create_table(
        "assessment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("aggregation", sa.String(length=20), nullable=False),
        sa.Column("spread_threshold", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("pass_mark", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("sequential", sa.Boolean(), nullable=False),
        sa.Column("pool_years", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_plans")),
        sa.UniqueConstraint("name", name=op.f("uq_assessment_plans_name")),
    )
    op.create_table(
        "practical_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=4), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practical_tasks")),
        sa.UniqueConstraint("code", name=op.f("uq_practical_tasks_code")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("chief_id", sa.Integer(), nullable=True),
        sa.Column("panel_size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chief_id"], ["users.id"], name=op.f("fk_assessments_chief_id_users")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["assessment_plans.id"], name=op.f("fk_assessments_plan_id_assessment_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_table(
        "judge_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_by", sa.String(length=100), nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_judge_conflicts_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_judge_conflicts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_conflicts")),
    )
    op.create_index(op.f("ix_judge_conflicts_user_id"), "judge_conflicts", ["user_id"])
    op.create_table(
        "judges",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_judges_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_judges_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_judges")),
    )
    op.create_table(
        "practical_task_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("equipment", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["practical_tasks.id"], name=op.f("fk_practical_task_versions_task_id_practical_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practical_task_versions")),
        sa.UniqueConstraint("task_id", "version", name=op.f("uq_practical_task_versions_task_id_version")),
    )
    op.create_table(
        "assessment_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("absent", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("part_scores", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_assessment_entries_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_assessment_entries_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_assessment_entries_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_entries")),
        sa.UniqueConstraint(
            "assessment_id", "candidate_id", name=op.f("uq_assessment_entries_assessment_id_candidate_id")
        ),
    )
    op.create_index(op.f("ix_assessment_entries_assessment_id"), "assessment_entries", ["assessment_id"])
    op.create_index(op.f("ix_assessment_entries_candidate_id"), "assessment_entries", ["candidate_id"])
    op.create_table(
        "assessment_seals",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("leaves", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sealed_by", sa.String(length=100), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_assessment_seals_assessment_id_assessments")
        ),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_assessment_seals")),
    )
    op.create_table(
        "panel_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("drawn_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_panel_members_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_panel_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_members")),
        sa.UniqueConstraint("assessment_id", "user_id", name=op.f("uq_panel_members_assessment_id_user_id")),
    )
    op.create_index(op.f("ix_panel_members_assessment_id"), "panel_members", ["assessment_id"])
    op.create_table(
        "teacher_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("part_scores", sa.JSON(), nullable=False),
        sa.Column("passed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_teacher_pool_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_teacher_pool_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_teacher_pool_institution_id_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teacher_pool")),
    )
    op.create_index(op.f("ix_teacher_pool_candidate_id"), "teacher_pool", ["candidate_id"])
    op.create_table(
        "disagreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=30), nullable=False),
        sa.Column("spread", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_disagreements_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["assessment_entries.id"], name=op.f("fk_disagreements_entry_id_assessment_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disagreements")),
    )
    op.create_index(op.f("ix_disagreements_assessment_id"), "disagreements", ["assessment_id"])
    op.create_table(
        "judge_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=30), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("total", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("reopen_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_judge_scores_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["assessment_entries.id"], name=op.f("fk_judge_scores_entry_id_assessment_entries")
        ),
        sa.ForeignKeyConstraint(["judge_id"], ["users.id"], name=op.f("fk_judge_scores_judge_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_scores")),
        sa.UniqueConstraint("entry_id", "part", "judge_id", name=op.f("uq_judge_scores_entry_id_part_judge_id")),
    )
    op.create_index(op.f("ix_judge_scores_assessment_id"), "judge_scores", ["assessment_id"])
    op.create_table(
        "task_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=30), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("drawn_by", sa.String(length=100), nullable=False),
        sa.Column("drawn_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_task_draws_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["assessment_entries.id"], name=op.f("fk_task_draws_entry_id_assessment_entries")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["practical_task_versions.id"],
            name=op.f("fk_task_draws_version_id_practical_task_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_draws")),
        sa.UniqueConstraint("entry_id", "part", name=op.f("uq_task_draws_entry_id_part")),
    )
    op.create_index(op.f("ix_task_draws_assessment_id"), "task_draws", ["assessment_id"])
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f("ix_task_draws_assessment_id"), table_name="task_draws")
    op.drop_table("task_draws")
    op.drop_index(op.f("ix_judge_scores_assessment_id"), table_name="judge_scores")
    op.drop_table("judge_scores")
    op.drop_index(op.f("ix_disagreements_assessment_id"), table_name="disagreements")
    op.drop_table("disagreements")
    op.drop_index(op.f("ix_teacher_pool_candidate_id"), table_name="teacher_pool")
    op.drop_table("teacher_pool")
    op.drop_index(op.f("ix_panel_members_assessment_id"), table_name="panel_members")
    op.drop_table("panel_members")
    op.drop_table("assessment_seals")
    op.drop_index(op.f("ix_assessment_entries_candidate_id"), table_name="assessment_entries")
    op.drop_index(op.f("ix_assessment_entries_assessment_id"), table_name="assessment_entries")
    op.drop_table("assessment_entries")
    op.drop_table("practical_task_versions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION examhall_task_version_frozen()")
    op.drop_table("judges")
    op.drop_index(op.f("ix_judge_conflicts_user_id"), table_name="judge_conflicts")
    op.drop_table("judge_conflicts")
    op.drop_table("assessments")
    op.drop_table("practical_tasks")
    op.drop_table("assessment_plans")
