"""create report tables

Revision ID: 39c16d7a116e
Revises: 
Create Date: 2026-11-21 13:07:27.803878
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text

import services.kit.models
from sqlalchemy.dialects import postgresql

revision: str = '39c16d7a116e'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=True),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('job_pkey'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('job_state_idx'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('job_state_idx'))

    op.drop_table('job')
