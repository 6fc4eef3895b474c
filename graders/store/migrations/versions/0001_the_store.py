"""The store as of wave 3: the gradebook (results in the stored shape, the code text, the
instructor's choice) and the web platform's users, attempts and failed sign-ins.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

tz = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "seqlab_grades",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("student", sa.String(200), nullable=False, index=True),
        sa.Column("lab", sa.String(100), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("spec_version", sa.String(64), nullable=False),
        sa.Column("engine_version", sa.String(40), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("max_score", sa.Float),
        sa.Column("results", sa.JSON),
        sa.Column("error_key", sa.String(100)),
        sa.Column("error_params", sa.JSON),
        sa.Column("error_text", sa.Text),
        sa.Column("isolation", sa.String(10)),
        sa.Column("execution_time", sa.Float),
        sa.Column("shared_seconds", sa.Float),
        sa.Column("grading_seconds", sa.Float, nullable=False),
        sa.Column("graded_at", tz, nullable=False),
        sa.Column("code", sa.Text),
        sa.Column("submitted_at", tz),
        sa.Column("chosen", sa.Boolean, nullable=False, server_default="0"),
        sa.UniqueConstraint(
            "student", "lab", "sha256", "spec_version", "source", name="seqlab_one_grade"
        ),
    )
    op.create_table(
        "seqlab_web_users",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "seqlab_web_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "student",
            sa.String(100),
            sa.ForeignKey("seqlab_web_users.username"),
            nullable=False,
            index=True,
        ),
        sa.Column("lab", sa.String(100), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("results", sa.JSON),
        sa.Column("score", sa.Float),
        sa.Column("max_score", sa.Float),
        sa.Column("message", sa.JSON),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("started_at", tz),
        sa.Column("finished_at", tz),
        sa.Column("claim", sa.String(200)),
        sa.Column("lease_until", tz),
        sa.Column("claims", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "seqlab_web_login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, index=True),
        sa.Column("at", tz, nullable=False, index=True),
    )
