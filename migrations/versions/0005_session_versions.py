"""session versions: a browser session holds its user's version from its login;
logging out and deactivation add one, ending every older session

Revision ID: 0005_session_versions
Revises: 0004_operators_at_work
Create Date: 2026-12-02 14:01:18.296260

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_session_versions'
down_revision = '0004_operators_at_work'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
