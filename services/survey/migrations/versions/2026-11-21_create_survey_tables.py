"""create survey tables

Revision ID: 2308c3d03574
Revises: 
Create Date: 2026-11-21 13:07:27.057207
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text

import services.kit.models
from sqlalchemy.dialects import postgresql

revision: str = '2308c3d03574'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('questionnaire',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('body', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('questionnaire_pkey')),
    sa.UniqueConstraint('key', 'version', name=op.f('questionnaire_key_key'))
    )
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('questionnaire_key_idx'), ['key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('questionnaire_key_idx'))

    op.drop_table('questionnaire')
