"""The LTI 1.3 tool: trusted platforms, the tool's key pair, launch data, score links.

Revision ID: 0004 (after 0003, the calendar)
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

tz = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "seqlab_lti_platforms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("client_id", sa.String(300), nullable=False),
        sa.Column("auth_login_url", sa.Text, nullable=False),
        sa.Column("auth_token_url", sa.Text, nullable=False),
        sa.Column("key_set_url", sa.Text, nullable=False),
        sa.Column("deployment_ids", sa.JSON, nullable=False),
        sa.UniqueConstraint("issuer", "client_id", name="seqlab_lti_one_platform"),
    )
    op.create_table(
        "seqlab_lti_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("created_at", tz, nullable=False),
    )
    op.create_table(
        "seqlab_lti_launch_data",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("value", sa.JSON),
        sa.Column("expires_at", tz, nullable=False, index=True),
    )
    op.create_table(
        "seqlab_lti_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, index=True),
        sa.Column("lab", sa.String(100), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("client_id", sa.String(300), nullable=False),
        sa.Column("sub", sa.String(300), nullable=False),
        sa.Column("lineitem", sa.Text, nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("sent_score", sa.Float),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_at", tz, nullable=False),
        sa.UniqueConstraint("username", "lab", name="seqlab_lti_one_link"),
    )


def downgrade() -> None:
    for table in (
        "seqlab_lti_links",
        "seqlab_lti_launch_data",
        "seqlab_lti_keys",
        "seqlab_lti_platforms",
    ):
        op.drop_table(table)
