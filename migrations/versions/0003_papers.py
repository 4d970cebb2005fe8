"""Papers: stored blueprints, paper draws (their inputs) and papers (every choice), immutable.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from examhall.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FROZEN = ("paper_draws", "papers")


def upgrade() -> None:
    op.create_table(
        "blueprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprints")),
        sa.UniqueConstraint("name", name=op.f("uq_blueprints_name")),
    )
    op.create_table(
        "paper_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blueprint", sa.JSON(), nullable=False),
        sa.Column("bank_codes", sa.JSON(), nullable=False),
        sa.Column("exam_date", sa.Date(), nullable=False),
        sa.Column("pool", sa.JSON(), nullable=False),
        sa.Column("neighbours", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_draws")),
    )
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("seat_index", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("seen", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["paper_draws.id"], name=op.f("fk_papers_draw_id_paper_draws")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_papers")),
        sa.UniqueConstraint("draw_id", "seat_index", name=op.f("uq_papers_draw_id_seat_index")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """CREATE FUNCTION examhall_paper_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'papers never change: % refused', TG_OP; END $$"""
        )
        for table in FROZEN:
            op.execute(
                f"""CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION examhall_paper_frozen()"""
            )
    else:
        for table in FROZEN:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
                        BEGIN SELECT RAISE(ABORT, 'papers never change: {verb} refused'); END"""
                )


def downgrade() -> None:
    op.drop_table("papers")
    op.drop_table("paper_draws")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION examhall_paper_frozen()")
    op.drop_table("blueprints")
