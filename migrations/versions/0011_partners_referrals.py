"""the directory of partners (their fields, regions and languages as codes) and
referrals of cases to them, each move of a referral with who and when

Revision ID: 0011_partners_referrals
Revises: 0010_risk_and_blocks
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_partners_referrals'
down_revision = '0010_risk_and_blocks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('contacts', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('partner_code',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('facet', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name='fk_partner_code_partner'),
    sa.PrimaryKeyConstraint('partner_id', 'facet', 'code')
    )
    with op.batch_alter_table('partner_code', schema=None) as batch_op:
        batch_op.create_index('ix_partner_code_facet_code', ['facet', 'code'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moved_by_id', sa.Integer(), nullable=False),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name='fk_referral_case'),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name='fk_referral_partner'),
    sa.ForeignKeyConstraint(['made_by_id'], ['user.id'], name='fk_referral_made_by'),
    sa.ForeignKeyConstraint(['moved_by_id'], ['user.id'], name='fk_referral_moved_by'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_partner_id'), ['partner_id'], unique=False)

    op.create_table('referral_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name='fk_referral_move_referral'),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name='fk_referral_move_actor'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_move_referral_id'), ['referral_id'], unique=False)


def downgrade():
    with op.batch_alter_table('referral_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_move_referral_id'))
    op.drop_table('referral_move')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_partner_id'))
        batch_op.drop_index(batch_op.f('ix_referral_case_id'))
    op.drop_table('referral')
    with op.batch_alter_table('partner_code', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_code_facet_code')
    op.drop_table('partner_code')
    op.drop_table('partner')
