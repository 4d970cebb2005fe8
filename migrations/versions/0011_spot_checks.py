"""Spot checks (逢查必考): the checks, the workers quizzed, their answers, the measures decided,
and each category's quiz rule.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spot_quiz_rules",
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_spot_quiz_rules")),
    )
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("seal_asked_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_spot_checks_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["officer_id"], ["users.id"], name=op.f("fk_spot_checks_officer_id_users")),
        sa.ForeignKeyConstraint(["partner_id"], ["users.id"], name=op.f("fk_spot_checks_partner_id_users")),
        sa.ForeignKeyConstraint(["seal_asked_by"], ["users.id"], name=op.f("fk_spot_checks_seal_asked_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_checks")),
    )
    with op.batch_alter_table("spot_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_checks_enterprise_id"), ["enterprise_id"], unique=False)
    op.create_table(
        "spot_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("post", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("finding", sa.String(length=30), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("link_hash", sa.String(length=64), nullable=False),
        sa.Column("link_used_at", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_spot_workers_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], name=op.f("fk_spot_workers_certificate_id_certificates")
        ),
        sa.ForeignKeyConstraint(["check_id"], ["spot_checks.id"], name=op.f("fk_spot_workers_check_id_spot_checks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_workers")),
        sa.UniqueConstraint("check_id", "candidate_id", name=op.f("uq_spot_workers_check_id_candidate_id")),
    )
    with op.batch_alter_table("spot_workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_workers_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_spot_workers_check_id"), ["check_id"], unique=False)
    op.create_table(
        "spot_answers",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["spot_workers.id"], name=op.f("fk_spot_answers_worker_id_spot_workers")
        ),
        sa.PrimaryKeyConstraint("worker_id", "seq", name=op.f("pk_spot_answers")),
    )
    op.create_table(
        "spot_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.Column("followed_up_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["spot_checks.id"], name=op.f("fk_spot_measures_check_id_spot_checks")),
        sa.ForeignKeyConstraint(["confirmed_by"], ["users.id"], name=op.f("fk_spot_measures_confirmed_by_users")),
        sa.ForeignKeyConstraint(["proposed_by"], ["users.id"], name=op.f("fk_spot_measures_proposed_by_users")),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["spot_workers.id"], name=op.f("fk_spot_measures_worker_id_spot_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_measures")),
    )
    with op.batch_alter_table("spot_measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_measures_check_id"), ["check_id"], unique=False)


def downgrade() -> None:
    op.drop_table("spot_measures")
    op.drop_table("spot_answers")
    op.drop_table("spot_workers")
    op.drop_table("spot_checks")
    op.drop_table("spot_quiz_rules")
