"""outbox deliveries per consumer

One row per (outbox event, consumer): which consumers already handled an event, and
the failures of those that did not, so the relay re-dispatches only what is missing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:58:14.265919
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_deliveries',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('consumer', sa.String(length=120), nullable=False),
    sa.Column('delivered_at', exchange.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['outbox_events.id'], name=op.f('fk_outbox_deliveries_event_id_outbox_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'consumer', name=op.f('pk_outbox_deliveries'))
    )


def downgrade() -> None:
    op.drop_table('outbox_deliveries')
