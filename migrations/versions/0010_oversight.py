"""Oversight: the summaries it keeps of published sittings (one row per attempt sat, running
sums per item version) and the flags it raised.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oversight_sittings",
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("summarised_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"], ["sittings.id"], name=op.f("fk_oversight_sittings_sitting_id_sittings")
        ),
        sa.PrimaryKeyConstraint("sitting_id", name=op.f("pk_oversight_sittings")),
    )
    op.create_table(
        "oversight_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("sitting_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("resit", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("expected", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("harder", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_oversight_attempts_attempt_id_attempts")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_oversight_attempts_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_oversight_attempts_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_oversight_attempts_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["sitting_id"], ["sittings.id"], name=op.f("fk_oversight_attempts_sitting_id_sittings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_attempts")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_oversight_attempts_attempt_id")),
    )
    op.create_index("ix_oversight_attempts_month_category", "oversight_attempts", ["month", "category"])
    op.create_index("ix_oversight_attempts_site_id_month", "oversight_attempts", ["site_id", "month"])
    op.create_index(op.f("ix_oversight_attempts_sitting_id"), "oversight_attempts", ["sitting_id"])
    op.create_table(
        "oversight_item_stats",
        sa.Column("item_version_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("papers", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sum_x", sa.Float(), nullable=False),
        sa.Column("sum_xx", sa.Float(), nullable=False),
        sa.Column("sum_y", sa.Float(), nullable=False),
        sa.Column("sum_yy", sa.Float(), nullable=False),
        sa.Column("sum_xy", sa.Float(), nullable=False),
        sa.Column("upper_n", sa.Integer(), nullable=False),
        sa.Column("upper_x", sa.Float(), nullable=False),
        sa.Column("lower_n", sa.Integer(), nullable=False),
        sa.Column("lower_x", sa.Float(), nullable=False),
        sa.Column("responses", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], name=op.f("fk_oversight_item_stats_bank_id_banks")),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["item_versions.id"],
            name=op.f("fk_oversight_item_stats_item_version_id_item_versions"),
        ),
        sa.PrimaryKeyConstraint("item_version_id", name=op.f("pk_oversight_item_stats")),
    )
    op.create_index(op.f("ix_oversight_item_stats_bank_id"), "oversight_item_stats", ["bank_id"])
    op.create_table(
        "oversight_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("other_attempt_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name=op.f("fk_oversight_flags_attempt_id_attempts")),
        sa.ForeignKeyConstraint(
            ["other_attempt_id"], ["attempts.id"], name=op.f("fk_oversight_flags_other_attempt_id_attempts")
        ),
        sa.ForeignKeyConstraint(["sitting_id"], ["sittings.id"], name=op.f("fk_oversight_flags_sitting_id_sittings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_flags")),
    )
    op.create_index(op.f("ix_oversight_flags_sitting_id"), "oversight_flags", ["sitting_id"])


def downgrade() -> None:
    op.drop_table("oversight_flags")
    op.drop_table("oversight_item_stats")
    op.drop_table("oversight_attempts")
    op.drop_table("oversight_sittings")
