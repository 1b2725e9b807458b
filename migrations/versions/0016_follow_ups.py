"""monitoring: the follow-up check-ins (one per person and offset after release,
one per case and offset after resolution) and the answers their calls heard

Revision ID: 0016_follow_ups
Revises: 0015_passport_plan
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_follow_ups'
down_revision = '0015_passport_plan'
branch_labels = None
depends_on = None

RELEASE = sa.text("kind = 'release'")
RESOLVED = sa.text("kind = 'resolved'")


def upgrade():
    op.create_table(
        'follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('caller_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('offset_days', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('callback_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['caller_id'], ['caller.id'], name='fk_follow_up_caller'),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_follow_up_case'),
        sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], name='fk_follow_up_callback'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        'uq_follow_up_release', 'follow_up', ['caller_id', 'offset_days'], unique=True,
        sqlite_where=RELEASE, postgresql_where=RELEASE,
    )
    op.create_index(
        'uq_follow_up_resolved', 'follow_up', ['case_id', 'offset_days'], unique=True,
        sqlite_where=RESOLVED, postgresql_where=RESOLVED,
    )
    op.create_index('ix_follow_up_callback', 'follow_up', ['callback_id'], unique=False)
    op.create_index('ix_follow_up_caller_due', 'follow_up', ['caller_id', 'due_at'], unique=False)
    op.create_table(
        'follow_up_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('follow_up_id', sa.Integer(), nullable=False),
        sa.Column('callback_id', sa.Integer(), nullable=False),
        sa.Column('reached', sa.Boolean(), nullable=False),
        sa.Column('housing', sa.String(length=16), nullable=True),
        sa.Column('work', sa.String(length=16), nullable=True),
        sa.Column('documents', sa.String(length=16), nullable=True),
        sa.Column('still_in_contact', sa.Boolean(), nullable=True),
        sa.Column('referral_id', sa.Integer(), nullable=True),
        sa.Column('service_received', sa.Boolean(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['follow_up_id'], ['follow_up.id'], name='fk_follow_up_answer_follow_up'),
        sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], name='fk_follow_up_answer_callback'),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name='fk_follow_up_answer_referral'),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name='fk_follow_up_answer_actor'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('follow_up_id'),
    )


def downgrade():
    op.drop_table('follow_up_answer')
    op.drop_index('ix_follow_up_caller_due', table_name='follow_up')
    op.drop_index('ix_follow_up_callback', table_name='follow_up')
    op.drop_index('uq_follow_up_resolved', table_name='follow_up')
    op.drop_index('uq_follow_up_release', table_name='follow_up')
    op.drop_table('follow_up')
