"""Indexes on the month of the rows each run reads back: a run reads the fee lines, fee clients and
compensation of the months it corrects and of the month before, by month. Without an index every
such read scans the rows of every month the ledger holds (ten years by default).

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("fee_lines", "fee_clients", "compensation")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_manad", table, ["manad"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_manad", table_name=table)
