"""Papers keep what the candidate's page receives, rendered when they are drawn.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Papers drawn before keep none; theirs is rendered when it is asked for.
    op.add_column("papers", sa.Column("sheet", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("papers", "sheet")
