"""The editor's drafts: one unsubmitted file per student and lab, with a version number.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seqlab_web_drafts",
        sa.Column(
            "student",
            sa.String(100),
            sa.ForeignKey("seqlab_web_users.username"),
            primary_key=True,
        ),
        sa.Column("lab", sa.String(100), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("seqlab_web_drafts")
