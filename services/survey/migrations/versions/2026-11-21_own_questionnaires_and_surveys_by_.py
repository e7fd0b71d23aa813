"""own questionnaires and surveys by organisation

Revision ID: bf5d2bb5588e
Revises: 4b951705ed4f
Create Date: 2026-11-21 13:45:16.275303
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text

import services.kit.models


revision: str = 'bf5d2bb5588e'
down_revision: str | None = '4b951705ed4f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_index(batch_op.f('questionnaire_org_id_idx'), ['org_id'], unique=False)

    with op.batch_alter_table('sheet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))

    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_index(batch_op.f('survey_org_id_idx'), ['org_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('survey_org_id_idx'))
        batch_op.drop_column('created_by')
        batch_op.drop_column('org_id')

    with op.batch_alter_table('sheet', schema=None) as batch_op:
        batch_op.drop_column('reviewed_by')

    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('questionnaire_org_id_idx'))
        batch_op.drop_column('created_by')
        batch_op.drop_column('org_id')

