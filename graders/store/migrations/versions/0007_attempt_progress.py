"""Each public set's result as it ends (issue 17 item 2): an attempt being graded keeps the
sets done so far, which the attempt's events and JSON show until the final result replaces
them (graders/web/grading.py writes it, in whichever process grades).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seqlab_web_attempts") as table:
        table.add_column(sa.Column("progress", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("seqlab_web_attempts") as table:
        table.drop_column("progress")
