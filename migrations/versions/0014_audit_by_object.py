"""the audit log is read by what a record is about (a case's history on /audit
and GET /api/v1/audit?case=)

Revision ID: 0014_audit_by_object
Revises: 0013_stats_rollups
Create Date: 2026-12-03 10:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_audit_by_object'
down_revision = '0013_stats_rollups'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_record_object', 'audit_record', ['object_type', 'object_id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_record_object', table_name='audit_record')
