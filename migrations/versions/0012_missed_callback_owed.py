"""a caller who hung up waiting is marked as owed a callback, which the upkeep
records off the webhook

Revision ID: 0012_missed_callback_owed
Revises: 0011_partners_referrals
Create Date: 2026-12-03 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_missed_callback_owed'
down_revision = '0011_partners_referrals'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('missed_callback_owed', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            'ix_call_missed_callback_owed',
            ['id'],
            unique=False,
            sqlite_where=sa.text('missed_callback_owed'),
            postgresql_where=sa.text('missed_callback_owed'),
        )


def downgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_missed_callback_owed')
        batch_op.drop_column('missed_callback_owed')
