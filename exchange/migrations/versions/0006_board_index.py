"""applications: one index for the pipeline board, (vacancy_id, state, updated_at, id)

The board shows each column's newest cards (a state, or an organisation's own stage
within a state). With updated_at and id after vacancy_id and state, each column's
``ORDER BY updated_at DESC, id DESC LIMIT n`` is a backward index scan that stops after
n entries, instead of a sort of the vacancy's applications; on PostgreSQL stage_id rides
along (INCLUDE) so the column totals and the picks read only the index. The old
(vacancy_id, state) index is its prefix and is dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:10:00
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_vacancy_state')
        batch_op.create_index('ix_applications_vacancy_board', ['vacancy_id', 'state', 'updated_at', 'id'], unique=False,
                              postgresql_include=['stage_id'])


def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_vacancy_board')
        batch_op.create_index('ix_applications_vacancy_state', ['vacancy_id', 'state'], unique=False)
