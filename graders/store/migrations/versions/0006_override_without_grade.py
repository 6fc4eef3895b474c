"""A score override for a student with no grade at all (issue 15 red team, fix15): the
override is then the grade of record by itself, and keeps the item's kind and points.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seqlab_overrides") as table:
        table.add_column(sa.Column("max_score", sa.Float))
        table.add_column(sa.Column("kind", sa.String(10)))


def downgrade() -> None:
    with op.batch_alter_table("seqlab_overrides") as table:
        table.drop_column("kind")
        table.drop_column("max_score")
