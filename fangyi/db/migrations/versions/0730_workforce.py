"""workforce: institutions, staff, posts and their needs per shift, roster entries (one person at one
start: ux_workforce_assignments_staff_start), absences, teams

Revision ID: 0730
Revises: 0720
Create Date: 2026-12-04 14:39:59.082546
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0730'
down_revision = '0720'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('workforce_institutions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'],
                            name=op.f('fk_workforce_institutions_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_institutions')),
    sa.UniqueConstraint('code', name=op.f('uq_workforce_institutions_code')),
    sa.UniqueConstraint('name', name=op.f('uq_workforce_institutions_name'))
    )
    with op.batch_alter_table('workforce_institutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_institutions_area_code'), ['area_code'], unique=False)

    op.create_table('workforce_posts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('site_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'],
                            name=op.f('fk_workforce_posts_area_code_areas')),
    sa.ForeignKeyConstraint(['point_id'], ['sampling_points.id'],
                            name=op.f('fk_workforce_posts_point_id_sampling_points')),
    sa.ForeignKeyConstraint(['site_id'], ['quarantine_sites.id'],
                            name=op.f('fk_workforce_posts_site_id_quarantine_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_posts')),
    sa.UniqueConstraint('code', name=op.f('uq_workforce_posts_code'))
    )
    with op.batch_alter_table('workforce_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_posts_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_posts_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_posts_site_id'), ['site_id'], unique=False)

    op.create_table('workforce_staff',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('institution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('qualifications', JSON, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['workforce_institutions.id'],
                            name=op.f('fk_workforce_staff_institution_id_workforce_institutions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_workforce_staff_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_staff')),
    sa.UniqueConstraint('phone', name=op.f('uq_workforce_staff_phone')),
    sa.UniqueConstraint('user_id', name=op.f('uq_workforce_staff_user_id'))
    )
    with op.batch_alter_table('workforce_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_staff_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_staff_institution_id'), ['institution_id'], unique=False)

    op.create_table('workforce_absences',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['workforce_staff.id'],
                            name=op.f('fk_workforce_absences_staff_id_workforce_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_absences'))
    )
    with op.batch_alter_table('workforce_absences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_absences_staff_id'), ['staff_id'], unique=False)

    op.create_table('workforce_assignments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('former_post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('qualification', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('shift', sa.String(length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('override', sa.String(length=500), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['former_post_id'], ['workforce_posts.id'],
                            name=op.f('fk_workforce_assignments_former_post_id_workforce_posts')),
    sa.ForeignKeyConstraint(['post_id'], ['workforce_posts.id'],
                            name=op.f('fk_workforce_assignments_post_id_workforce_posts')),
    sa.ForeignKeyConstraint(['staff_id'], ['workforce_staff.id'],
                            name=op.f('fk_workforce_assignments_staff_id_workforce_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_assignments'))
    )
    with op.batch_alter_table('workforce_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_assignments_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_assignments_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_assignments_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_assignments_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index('ux_workforce_assignments_staff_start', ['staff_id', 'starts_at'], unique=True)

    op.create_table('workforce_needs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('qualification', sa.String(length=20), nullable=False),
    sa.Column('shift', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['workforce_posts.id'],
                            name=op.f('fk_workforce_needs_post_id_workforce_posts')),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'],
                            name=op.f('fk_workforce_needs_round_id_screening_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_needs')),
    sa.UniqueConstraint('post_id', 'qualification', 'shift', 'day', name='uq_workforce_needs_key')
    )
    with op.batch_alter_table('workforce_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_needs_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_needs_round_id'), ['round_id'], unique=False)

    op.create_table('workforce_teams',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('leader_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['workforce_staff.id'],
                            name=op.f('fk_workforce_teams_leader_id_workforce_staff')),
    sa.ForeignKeyConstraint(['post_id'], ['workforce_posts.id'],
                            name=op.f('fk_workforce_teams_post_id_workforce_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_teams'))
    )
    with op.batch_alter_table('workforce_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_teams_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_teams_post_id'), ['post_id'], unique=False)

    op.create_table('workforce_team_members',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['workforce_staff.id'],
                            name=op.f('fk_workforce_team_members_staff_id_workforce_staff')),
    sa.ForeignKeyConstraint(['team_id'], ['workforce_teams.id'],
                            name=op.f('fk_workforce_team_members_team_id_workforce_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_team_members')),
    sa.UniqueConstraint('team_id', 'staff_id', name='uq_workforce_team_members_key')
    )
    with op.batch_alter_table('workforce_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workforce_team_members_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workforce_team_members_team_id'), ['team_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workforce_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workforce_team_members_team_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_team_members_staff_id'))

    op.drop_table('workforce_team_members')
    with op.batch_alter_table('workforce_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workforce_teams_post_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_teams_area_code'))

    op.drop_table('workforce_teams')
    with op.batch_alter_table('workforce_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workforce_needs_round_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_needs_post_id'))

    op.drop_table('workforce_needs')
    with op.batch_alter_table('workforce_assignments', schema=None) as batch_op:
        batch_op.drop_index('ux_workforce_assignments_staff_start')
        batch_op.drop_index(batch_op.f('ix_workforce_assignments_starts_at'))
        batch_op.drop_index(batch_op.f('ix_workforce_assignments_staff_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_assignments_post_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_assignments_day'))

    op.drop_table('workforce_assignments')
    with op.batch_alter_table('workforce_absences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workforce_absences_staff_id'))

    op.drop_table('workforce_absences')
    with op.batch_alter_table('workforce_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workforce_staff_institution_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_staff_area_code'))

    op.drop_table('workforce_staff')
    with op.batch_alter_table('workforce_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workforce_posts_site_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_posts_point_id'))
        batch_op.drop_index(batch_op.f('ix_workforce_posts_area_code'))

    op.drop_table('workforce_posts')
    with op.batch_alter_table('workforce_institutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workforce_institutions_area_code'))

    op.drop_table('workforce_institutions')
