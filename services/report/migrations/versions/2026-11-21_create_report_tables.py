"""create report tables

Revision ID: 1efb74059dca
Revises: 
Create Date: 2026-11-21 13:44:08.319789
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text

import services.kit.models
from sqlalchemy.dialects import postgresql

revision: str = '1efb74059dca'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('template',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('placeholders', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('template_pkey'))
    )
    with op.batch_alter_table('template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('template_org_id_idx'), ['org_id'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('cache_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('evaluation_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=True),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('template_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['template.id'], name=op.f('document_template_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('document_pkey')),
    sa.UniqueConstraint('cache_key', name=op.f('document_cache_key_key'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('document_evaluation_id_idx'), ['evaluation_id'], unique=False)

    op.create_table('job',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('caller', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('evaluation_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=True),
    sa.Column('cache_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.Uuid(), nullable=True),
    sa.Column('lease_until', services.kit.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('document_id', sa.Uuid(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=True),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', services.kit.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('job_document_id_fkey')),
    sa.ForeignKeyConstraint(['template_id'], ['template.id'], name=op.f('job_template_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('job_pkey'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('job_cache_key_idx'), ['cache_key'], unique=False)
        batch_op.create_index(batch_op.f('job_evaluation_id_idx'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('job_state_idx'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('job_state_idx'))
        batch_op.drop_index(batch_op.f('job_evaluation_id_idx'))
        batch_op.drop_index(batch_op.f('job_cache_key_idx'))

    op.drop_table('job')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('document_evaluation_id_idx'))

    op.drop_table('document')
    with op.batch_alter_table('template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('template_org_id_idx'))

    op.drop_table('template')
