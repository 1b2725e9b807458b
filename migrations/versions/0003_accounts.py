"""accounts: an operator's skills (queues) and languages, their own phone number
(encrypted), and the console's language per user

Revision ID: 0003_accounts
Revises: 0002_race_safety
Create Date: 2026-11-26 00:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_accounts'
down_revision = '0002_race_safety'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('operator_skill',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_operator_skill_user', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'queue')
    )
    with op.batch_alter_table('operator_skill', schema=None) as batch_op:
        batch_op.create_index('ix_operator_skill_queue', ['queue'], unique=False)
    op.create_table('operator_language',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_operator_language_user', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'language')
    )
    with op.batch_alter_table('operator_language', schema=None) as batch_op:
        batch_op.create_index('ix_operator_language_language', ['language'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('phone_encrypted')
    with op.batch_alter_table('operator_language', schema=None) as batch_op:
        batch_op.drop_index('ix_operator_language_language')
    op.drop_table('operator_language')
    with op.batch_alter_table('operator_skill', schema=None) as batch_op:
        batch_op.drop_index('ix_operator_skill_queue')
    op.drop_table('operator_skill')
