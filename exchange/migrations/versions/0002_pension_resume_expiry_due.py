"""resumes: a partial index for the expiry sweep (terms still running only)

The sweep looks for resumes whose term has come and that it has not expired yet, oldest
term first. On the plain ``expires_at`` index every sweep walked past all terms that
ended before (expired or archived resumes keep their ``expires_at``), a cost growing with
the history. This index holds only the resumes the sweep can still act on.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

UNEXPIRED = "expired_at IS NULL AND visibility <> 'archived'"


def upgrade() -> None:
    with op.batch_alter_table('resumes', schema=None) as batch_op:
        batch_op.create_index('ix_resumes_expiry_due', ['expires_at', 'id'], unique=False,
                              postgresql_where=sa.text(UNEXPIRED), sqlite_where=sa.text(UNEXPIRED))


def downgrade() -> None:
    with op.batch_alter_table('resumes', schema=None) as batch_op:
        batch_op.drop_index('ix_resumes_expiry_due', postgresql_where=sa.text(UNEXPIRED), sqlite_where=sa.text(UNEXPIRED))
