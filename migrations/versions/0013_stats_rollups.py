"""the supervisors' rollups: counts and sums per local hour, queue and breakdown key

Revision ID: 0013_stats_rollups
Revises: 0012_missed_callback_owed
Create Date: 2026-12-03 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_stats_rollups"
down_revision = "0012_missed_callback_owed"
branch_labels = None
depends_on = None

WAIT_EDGES = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800)
COUNTERS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "callback_requested",
    "answered_in_target",
    "abandoned_after_target",
    "answered_wait_sum",
    "waited",
    "handled",
    "handle_seconds_sum",
    *(f"wait_le_{edge}" for edge in WAIT_EDGES),
    "wait_over",
    "opened",
    "resolved",
    "supported",
    "valid_requests",
    "wait_max",
)


def upgrade():
    op.create_table(
        "stats_hour",
        sa.Column("hour", sa.String(length=13), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("operator_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in COUNTERS),
        sa.PrimaryKeyConstraint("hour", "queue", "operator_id", "category", "language"),
    )


def downgrade():
    op.drop_table("stats_hour")
