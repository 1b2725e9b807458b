"""race safety: one open case per caller and queue, one callback per call,
case numbers per year, API tokens owned by users, calls versioned for
conditional updates, the call's progress and why it left the queue

Revision ID: 0002_race_safety
Revises: 0001_initial
Create Date: 2026-11-25 23:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002_race_safety'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_table('case_number',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.alter_column('reference', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index('uq_case_open_caller_queue', ['caller_id', 'queue'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.create_index('uq_callback_call', ['call_id'], unique=True)
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('progress', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('left_queue_reason', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_call_stage_started', ['stage', 'started_at'], unique=False)
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_api_token_user', 'user', ['user_id'], ['id'])
        batch_op.create_index('ix_api_token_user_id', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index('ix_api_token_user_id')
        batch_op.drop_constraint('fk_api_token_user', type_='foreignkey')
        batch_op.drop_column('user_id')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_stage_started')
        batch_op.drop_column('left_queue_reason')
        batch_op.drop_column('progress')
        batch_op.drop_column('version')
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.drop_index('uq_callback_call')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('uq_case_open_caller_queue')
        batch_op.alter_column('reference', existing_type=sa.String(length=32), nullable=True)
    op.drop_table('case_number')
