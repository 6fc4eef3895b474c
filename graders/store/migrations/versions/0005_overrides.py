"""The instructor's view of a student (issue 15, item 4): score overrides with their reason
and history, and the hidden sets' full results of each web attempt, kept for staff only.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

tz = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "seqlab_overrides",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("student", sa.String(200), nullable=False, index=True),
        sa.Column("lab", sa.String(100), nullable=False, index=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("old_score", sa.Float),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", tz, nullable=False),
        sa.Column("removed_at", tz),
        sa.Column("removed_by", sa.String(200)),
    )
    op.create_table(
        "seqlab_web_hidden_results",
        sa.Column(
            "attempt",
            sa.Integer,
            sa.ForeignKey("seqlab_web_attempts.id"),
            primary_key=True,
        ),
        sa.Column("tests", sa.JSON, nullable=False),
        sa.Column("graded_at", tz, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("seqlab_web_hidden_results")
    op.drop_table("seqlab_overrides")
