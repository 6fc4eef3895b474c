"""The course's calendar and rules as edited on the web (seqlab_rules, laid over seqlab.toml),
and a quiz paper's one-use token on web attempts (a form posted twice is one attempt).

Revision ID: 0003 (after 0002, the drafts)
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seqlab_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item", sa.String(100), nullable=False),
        sa.Column("student", sa.String(200), nullable=False, server_default=""),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("item", "student", "name", name="seqlab_one_rule"),
    )
    op.add_column("seqlab_web_attempts", sa.Column("token", sa.String(64)))
    op.create_index("seqlab_one_paper", "seqlab_web_attempts", ["student", "token"], unique=True)


def downgrade() -> None:
    op.drop_index("seqlab_one_paper", table_name="seqlab_web_attempts")
    with op.batch_alter_table("seqlab_web_attempts") as batch:
        batch.drop_column("token")
    op.drop_table("seqlab_rules")
