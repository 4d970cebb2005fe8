"""Question banks: banks, items, immutable item versions, images.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER item_versions_no_update BEFORE UPDATE ON item_versions
       BEGIN SELECT RAISE(ABORT, 'item versions never change: UPDATE refused'); END""",
    """CREATE TRIGGER item_versions_no_delete BEFORE DELETE ON item_versions
       BEGIN SELECT RAISE(ABORT, 'item versions never change: DELETE refused'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION examhall_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'item versions never change: % refused', TG_OP; END $$""",
    """CREATE TRIGGER item_versions_frozen BEFORE UPDATE OR DELETE ON item_versions
       FOR EACH ROW EXECUTE FUNCTION examhall_version_frozen()""",
]


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banks")),
        sa.UniqueConstraint("code", name=op.f("uq_banks_code")),
    )
    op.create_table(
        "images",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_images")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("knowledge_points", sa.Text(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], name=op.f("fk_items_bank_id_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("bank_id", "key", name=op.f("uq_items_bank_id_key")),
    )
    op.create_index("ix_items_bank_id_fingerprint", "items", ["bank_id", "fingerprint"])
    op.create_table(
        "item_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("fixed_options", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("knowledge_points", sa.JSON(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("retire_on", sa.Date(), nullable=True),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_item_versions_item_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_versions")),
        sa.UniqueConstraint("item_id", "version", name=op.f("uq_item_versions_item_id_version")),
    )
    op.create_index("ix_item_versions_category", "item_versions", ["category"])
    for statement in POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("item_versions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION examhall_version_frozen()")
    op.drop_table("items")
    op.drop_table("images")
    op.drop_table("banks")
