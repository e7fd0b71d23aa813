"""create survey tables

Revision ID: 4b951705ed4f
Revises: 
Create Date: 2026-11-21 13:20:20.659467
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text

import services.kit.models
from sqlalchemy.dialects import postgresql

revision: str = '4b951705ed4f'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('answer',
    sa.Column('survey_id', sa.Uuid(), nullable=False),
    sa.Column('sheet_id', sa.Uuid(), nullable=False),
    sa.Column('question', sa.SmallInteger(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('survey_id', 'sheet_id', 'question', name=op.f('answer_pkey'))
    )
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

    op.create_table('survey',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('questionnaire_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=True),
    sa.Column('evaluation_id', sa.Uuid(), nullable=True),
    sa.Column('public_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('opens_at', services.kit.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', services.kit.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('target', sa.Integer(), nullable=True),
    sa.Column('groups', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('invitation_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('survey_questionnaire_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('survey_pkey')),
    sa.UniqueConstraint('public_token', name=op.f('survey_public_token_key'))
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('survey_evaluation_id_idx'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('survey_project_id_idx'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('survey_questionnaire_id_idx'), ['questionnaire_id'], unique=False)

    op.create_table('invitation',
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('survey_id', sa.Uuid(), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('invitation_survey_id_fkey')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('invitation_pkey'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('invitation_survey_id_idx'), ['survey_id'], unique=False)

    op.create_table('sheet',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('survey_id', sa.Uuid(), nullable=False),
    sa.Column('digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('respondent_group', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('answered_at', services.kit.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('received_at', services.kit.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('score_total', sa.Integer(), nullable=False),
    sa.Column('score_items', sa.SmallInteger(), nullable=False),
    sa.Column('review', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('reviewed_at', services.kit.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('body', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('sheet_survey_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('sheet_pkey'))
    )
    with op.batch_alter_table('sheet', schema=None) as batch_op:
        batch_op.create_index('sheet_survey_id_review_idx', ['survey_id', 'review'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sheet', schema=None) as batch_op:
        batch_op.drop_index('sheet_survey_id_review_idx')

    op.drop_table('sheet')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('invitation_survey_id_idx'))

    op.drop_table('invitation')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('survey_questionnaire_id_idx'))
        batch_op.drop_index(batch_op.f('survey_project_id_idx'))
        batch_op.drop_index(batch_op.f('survey_evaluation_id_idx'))

    op.drop_table('survey')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('questionnaire_key_idx'))

    op.drop_table('questionnaire')
    op.drop_table('answer')
