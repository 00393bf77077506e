"""search: one covering index of the filter columns per SQL-backend table

The embedded search backend's filters, facet counts and date sort read only these
columns; with them in one index the scans skip the wide rows (each holds its
document). The single-column published_at indexes are replaced: the new indexes
lead with published_at.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:10:00
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

VACANCY_COLUMNS = [
    'published_at', 'kato_code', 'region_code', 'occupation_code', 'employment_type', 'schedule', 'working_regime',
    'education_level', 'kind', 'organisation_id', 'accessible', 'min_experience_months', 'salary_min', 'salary_max', 'lat', 'lon',
]
RESUME_COLUMNS = [
    'published_at', 'kato_code', 'region_code', 'occupation_code', 'employment_type', 'schedule', 'working_regime',
    'education_level', 'visibility', 'consent', 'departed', 'expires_at', 'centre_id', 'source_organisation_id', 'owner_user_id',
    'experience_months', 'willing_to_relocate', 'accessibility_needs', 'birth_date', 'available_from', 'salary_min', 'salary_max',
    'lat', 'lon',
]


def upgrade() -> None:
    with op.batch_alter_table('search_vacancy_docs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_vacancy_docs_published')
        batch_op.create_index('ix_search_vacancy_docs_filters', VACANCY_COLUMNS, unique=False)
    with op.batch_alter_table('search_resume_docs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_resume_docs_published')
        batch_op.create_index('ix_search_resume_docs_filters', RESUME_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('search_resume_docs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_resume_docs_filters')
        batch_op.create_index('ix_search_resume_docs_published', ['published_at'], unique=False)
    with op.batch_alter_table('search_vacancy_docs', schema=None) as batch_op:
        batch_op.drop_index('ix_search_vacancy_docs_filters')
        batch_op.create_index('ix_search_vacancy_docs_published', ['published_at'], unique=False)
