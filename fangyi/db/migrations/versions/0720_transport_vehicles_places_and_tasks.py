"""transport: vehicles, places and tasks

Revision ID: 0720
Revises: 0705
Create Date: 2026-12-04 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0720'
down_revision = "0705"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('transport_places',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_transport_places_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_places')),
    sa.UniqueConstraint('code', name=op.f('uq_transport_places_code'))
    )
    with op.batch_alter_table('transport_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_places_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_places_kind'), ['kind'], unique=False)

    op.create_table('transport_vehicles',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('depot_area_code', sa.String(length=15), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('needs_disinfection', sa.Boolean(), nullable=False),
    sa.Column('crew', JSON, nullable=False),
    sa.Column('driver_username', sa.String(length=100), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['depot_area_code'], ['areas.code'],
                            name=op.f('fk_transport_vehicles_depot_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_vehicles')),
    sa.UniqueConstraint('plate', name=op.f('uq_transport_vehicles_plate'))
    )
    with op.batch_alter_table('transport_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_vehicles_depot_area_code'), ['depot_area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_vehicles_driver_username'), ['driver_username'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_vehicles_state'), ['state'], unique=False)

    op.create_table('transport_tasks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rider_class', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('from_area_code', sa.String(length=15), nullable=False),
    sa.Column('from_label', sa.String(length=300), nullable=False),
    sa.Column('from_lat', sa.Float(), nullable=False),
    sa.Column('from_lon', sa.Float(), nullable=False),
    sa.Column('to_area_code', sa.String(length=15), nullable=False),
    sa.Column('to_label', sa.String(length=300), nullable=False),
    sa.Column('to_lat', sa.Float(), nullable=False),
    sa.Column('to_lon', sa.Float(), nullable=False),
    sa.Column('person_ids', JSON, nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('items', JSON, nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('earliest_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latest_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('source_ref', sa.String(length=80), nullable=True),
    sa.Column('placement_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('transport_request_ids', JSON, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('vehicle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('trip', sa.Integer(), nullable=True),
    sa.Column('planned_pickup_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('planned_dropoff_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('picked_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('picked_up_ids', JSON, nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=100), nullable=True),
    sa.Column('called_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_transport_tasks_area_code_areas')),
    sa.ForeignKeyConstraint(['from_area_code'], ['areas.code'], name=op.f('fk_transport_tasks_from_area_code_areas')),
    sa.ForeignKeyConstraint(['to_area_code'], ['areas.code'], name=op.f('fk_transport_tasks_to_area_code_areas')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['transport_vehicles.id'],
                            name=op.f('fk_transport_tasks_vehicle_id_transport_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_tasks')),
    sa.UniqueConstraint('source_ref', name='uq_transport_tasks_source_ref')
    )
    with op.batch_alter_table('transport_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_tasks_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_latest_at'), ['latest_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_placement_id'), ['placement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_priority'), ['priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_to_area_code'), ['to_area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_tasks_vehicle_id'), ['vehicle_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transport_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_tasks_vehicle_id'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_to_area_code'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_priority'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_placement_id'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_latest_at'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_created_at'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_case_id'))
        batch_op.drop_index(batch_op.f('ix_transport_tasks_area_code'))

    op.drop_table('transport_tasks')
    with op.batch_alter_table('transport_vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_vehicles_state'))
        batch_op.drop_index(batch_op.f('ix_transport_vehicles_driver_username'))
        batch_op.drop_index(batch_op.f('ix_transport_vehicles_depot_area_code'))

    op.drop_table('transport_vehicles')
    with op.batch_alter_table('transport_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_places_kind'))
        batch_op.drop_index(batch_op.f('ix_transport_places_area_code'))

    op.drop_table('transport_places')
