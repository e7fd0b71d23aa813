"""create scoring tables

Revision ID: 85c9d700e02c
Revises: 
Create Date: 2026-11-21 13:47:56.664473
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text

import services.kit.models
from sqlalchemy.dialects import postgresql

revision: str = '85c9d700e02c'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('indicator_system',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('body', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('indicator_system_pkey')),
    sa.UniqueConstraint('key', 'version', name=op.f('indicator_system_key_key'))
    )
    with op.batch_alter_table('indicator_system', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('indicator_system_key_idx'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('indicator_system_org_id_idx'), ['org_id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('implementing_unit', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('commissioning_unit', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('project_pkey'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('project_org_id_idx'), ['org_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('system_id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('judgements', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('reported', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('texts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('sources', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('evaluation_project_id_fkey')),
    sa.ForeignKeyConstraint(['system_id'], ['indicator_system.id'], name=op.f('evaluation_system_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('evaluation_pkey'))
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('evaluation_org_id_idx'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('evaluation_project_id_idx'), ['project_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('evaluation_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('old', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('new', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('audit_entry_evaluation_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('audit_entry_pkey'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('audit_entry_evaluation_id_idx'), ['evaluation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('audit_entry_evaluation_id_idx'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('evaluation_project_id_idx'))
        batch_op.drop_index(batch_op.f('evaluation_org_id_idx'))

    op.drop_table('evaluation')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('project_org_id_idx'))

    op.drop_table('project')
    with op.batch_alter_table('indicator_system', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('indicator_system_org_id_idx'))
        batch_op.drop_index(batch_op.f('indicator_system_key_idx'))

    op.drop_table('indicator_system')
