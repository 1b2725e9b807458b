"""risk protocol and blocks: a case's risk alerts (one open per case), the
emergency actions logged on it, and the blocks of abusive callers (one not
lifted per caller; a block runs out by its time)

Revision ID: 0010_risk_and_blocks
Revises: 0009_case_note_corrections
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_risk_and_blocks'
down_revision = '0009_case_note_corrections'
branch_labels = None
depends_on = None

OPEN_ALERT = sa.text("acknowledged_at IS NULL OR acted_at IS NULL")
UNLIFTED = sa.text("lifted_at IS NULL")


def upgrade():
    op.create_table(
        'risk_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('times_raised', sa.Integer(), server_default='1', nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
        sa.Column('acted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_risk_alert_case'),
        sa.ForeignKeyConstraint(['call_id'], ['call.id'], name='fk_risk_alert_call'),
        sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user.id'], name='fk_risk_alert_acknowledged_by'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_risk_alert_case_id', 'risk_alert', ['case_id'])
    op.create_index('uq_risk_alert_open_case', 'risk_alert', ['case_id'], unique=True,
                    sqlite_where=OPEN_ALERT, postgresql_where=OPEN_ALERT)
    op.create_table(
        'emergency_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('contacted', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('result', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_emergency_action_case'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name='fk_emergency_action_recorded_by'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_emergency_action_case_id', 'emergency_action', ['case_id'])
    op.create_table(
        'caller_block',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('caller_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('blocked_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['caller_id'], ['caller.id'], name='fk_caller_block_caller'),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_caller_block_case'),
        sa.ForeignKeyConstraint(['blocked_by_id'], ['user.id'], name='fk_caller_block_blocked_by'),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['user.id'], name='fk_caller_block_lifted_by'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_caller_block_case_id', 'caller_block', ['case_id'])
    op.create_index('uq_caller_block_unlifted', 'caller_block', ['caller_id'], unique=True,
                    sqlite_where=UNLIFTED, postgresql_where=UNLIFTED)


def downgrade():
    op.drop_index('uq_caller_block_unlifted', table_name='caller_block',
                  sqlite_where=UNLIFTED, postgresql_where=UNLIFTED)
    op.drop_index('ix_caller_block_case_id', table_name='caller_block')
    op.drop_table('caller_block')
    op.drop_index('ix_emergency_action_case_id', table_name='emergency_action')
    op.drop_table('emergency_action')
    op.drop_index('uq_risk_alert_open_case', table_name='risk_alert',
                  sqlite_where=OPEN_ALERT, postgresql_where=OPEN_ALERT)
    op.drop_index('ix_risk_alert_case_id', table_name='risk_alert')
    op.drop_table('risk_alert')
