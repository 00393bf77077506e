"""applications: index the agency that submitted a response

An agency's "Applications we sent" page and the API's application list filter on
``initiated_by_organisation_id`` (the page newest change first); without an index
both scan every application. The index leads with the organisation and carries
``updated_at`` so the page reads its rows in order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_initiated_by_updated', ['initiated_by_organisation_id', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_initiated_by_updated')
