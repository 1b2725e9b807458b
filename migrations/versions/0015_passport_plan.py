"""full accompaniment: a person's social passport and its versions, the steps
of their individual support route

Revision ID: 0015_passport_plan
Revises: 0014_audit_by_object
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_passport_plan'
# The brief named 0009_case_note_corrections; main has chained the other slices
# since, so this follows main's head (0014_audit_by_object) to keep one head.
down_revision = '0014_audit_by_object'
branch_labels = None
depends_on = None

OPEN_STEP = sa.text("status = 'open'")


def upgrade():
    op.create_table(
        'social_passport',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('caller_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('region', sa.String(length=16), nullable=True),
        sa.Column('release_date', sa.Date(), nullable=True),
        sa.Column('documents_held', sa.JSON(), nullable=False),
        sa.Column('documents_missing', sa.JSON(), nullable=False),
        sa.Column('housing', sa.Text(), nullable=True),
        sa.Column('work', sa.Text(), nullable=True),
        sa.Column('education', sa.Text(), nullable=True),
        sa.Column('health_insurance', sa.Boolean(), nullable=True),
        sa.Column('disability', sa.Text(), nullable=True),
        sa.Column('family', sa.Text(), nullable=True),
        sa.Column('supervision_ends', sa.Date(), nullable=True),
        sa.Column('follow_up_consent', sa.Boolean(), nullable=True),
        sa.Column('follow_up_consent_date', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['caller_id'], ['caller.id'], name='fk_social_passport_caller'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('caller_id'),
    )
    op.create_table(
        'passport_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('passport_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('changed', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['passport_id'], ['social_passport.id'], name='fk_passport_version_passport'),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_passport_version_case'),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name='fk_passport_version_actor'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('passport_id', 'version', name='uq_passport_version'),
    )
    op.create_table(
        'plan_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('caller_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('goal', sa.Text(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['caller_id'], ['caller.id'], name='fk_plan_step_caller'),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_plan_step_case'),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name='fk_plan_step_owner'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name='fk_plan_step_created_by'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_step_caller', 'plan_step', ['caller_id'], unique=False)
    op.create_index(
        'ix_plan_step_open_owner_due',
        'plan_step',
        ['owner_id', 'due_date'],
        unique=False,
        sqlite_where=OPEN_STEP,
        postgresql_where=OPEN_STEP,
    )


def downgrade():
    op.drop_index('ix_plan_step_open_owner_due', table_name='plan_step')
    op.drop_index('ix_plan_step_caller', table_name='plan_step')
    op.drop_table('plan_step')
    op.drop_table('passport_version')
    op.drop_table('social_passport')
