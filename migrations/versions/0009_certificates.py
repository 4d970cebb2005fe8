"""Certificates: kinds the administrator sets, what each certificate carries (number, item,
periods, issuer, state, origin), two-person state decisions, and reviews.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("work_class", sa.String(length=100), nullable=False),
        sa.Column("operation_item", sa.String(length=100), nullable=False),
        sa.Column("numbering", sa.String(length=20), nullable=False),
        sa.Column("valid_years", sa.Integer(), nullable=False),
        sa.Column("review_years", sa.Integer(), nullable=True),
        sa.Column("extended_review_years", sa.Integer(), nullable=True),
        sa.Column("extension_after_years", sa.Integer(), nullable=True),
        sa.Column("review_hours", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("review_exam", sa.Boolean(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_kinds")),
        sa.UniqueConstraint("code", name=op.f("uq_certificate_kinds_code")),
        sa.UniqueConstraint("source", "category", name=op.f("uq_certificate_kinds_source_category")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("number", sa.String(length=40), server_default="", nullable=False))
        batch_op.add_column(sa.Column("work_class", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("operation_item", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("first_issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("next_review_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("issuer", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("state", sa.String(length=20), server_default="valid", nullable=False))
        batch_op.add_column(sa.Column("origin", sa.String(length=20), server_default="issued", nullable=False))
        batch_op.add_column(sa.Column("sitting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assessment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("retraining", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f("ix_certificates_number"), ["number"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_kind_id_certificate_kinds"), "certificate_kinds", ["kind_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_sitting_id_sittings"), "sittings", ["sitting_id"], ["id"]
        )
    op.create_table(
        "certificate_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], name=op.f("fk_certificate_decisions_certificate_id_certificates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_decisions")),
    )
    with op.batch_alter_table("certificate_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_decisions_certificate_id"), ["certificate_id"], unique=False)
    op.create_table(
        "certificate_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("training_hours", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("exam_record_id", sa.Integer(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], name=op.f("fk_certificate_reviews_certificate_id_certificates")
        ),
        sa.ForeignKeyConstraint(
            ["exam_record_id"], ["exam_records.id"], name=op.f("fk_certificate_reviews_exam_record_id_exam_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_reviews")),
    )
    with op.batch_alter_table("certificate_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_reviews_certificate_id"), ["certificate_id"], unique=False)


def downgrade() -> None:
    op.drop_table("certificate_reviews")
    op.drop_table("certificate_decisions")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_certificates_sitting_id_sittings"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_certificates_kind_id_certificate_kinds"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_certificates_number"))
        for column in (
            "retraining",
            "revision",
            "assessment_id",
            "sitting_id",
            "origin",
            "state",
            "issuer",
            "next_review_on",
            "first_issued_on",
            "operation_item",
            "work_class",
            "number",
            "kind_id",
        ):
            batch_op.drop_column(column)
    op.drop_table("certificate_kinds")
