"""case notes are append-only: a note may correct one earlier note of its case,
and each note has one correction at most

Revision ID: 0009_case_note_corrections
Revises: 0008_case_workflow
Create Date: 2026-12-03 07:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_case_note_corrections'
down_revision = '0008_case_workflow'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrects_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_case_note_corrects', ['corrects_id'])
        batch_op.create_foreign_key('fk_case_note_corrects', 'case_note', ['corrects_id'], ['id'])


def downgrade():
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_constraint('fk_case_note_corrects', type_='foreignkey')
        batch_op.drop_constraint('uq_case_note_corrects', type_='unique')
        batch_op.drop_column('corrects_id')
