"""case workflow: open, in_progress, waiting, resolved, closed; a case's outcome,
category, risk level and when it was resolved; one *active* case (open,
in_progress, waiting) per caller and queue, so a resolved or closed case no
longer takes a repeat caller's new call

Revision ID: 0008_case_workflow
Revises: 0007_callback_offers
Create Date: 2026-12-03 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_case_workflow'
down_revision = '0007_callback_offers'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
ACTIVE = sa.text("status IN ('in_progress', 'open', 'waiting')")


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('risk_level', sa.String(length=16), server_default='none', nullable=False))
        batch_op.drop_index('uq_case_open_caller_queue', sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index('uq_case_active_caller_queue', ['caller_id', 'queue'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    # Before this revision a case was open or closed: the active ones are open
    # (one per caller and queue still), resolved ones closed.
    case = sa.table('case', sa.column('status', sa.String))
    op.execute(case.update().where(case.c.status.in_(['in_progress', 'waiting'])).values(status='open'))
    op.execute(case.update().where(case.c.status == 'resolved').values(status='closed'))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('uq_case_active_caller_queue', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.create_index('uq_case_open_caller_queue', ['caller_id', 'queue'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_column('risk_level')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('category')
        batch_op.drop_column('outcome')
