"""Invoice batches: what each month's invoice file held, and whether it was sent.

A sent batch is a fact that outlives the run that produced it; an unsent batch is replaced by the
next run of its month (same batch id). Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_batches",
        sa.Column("run_id", sa.String(40), nullable=False, index=True),
        sa.Column("batch_id", sa.String(40), nullable=False, index=True),
        sa.Column("manad", sa.String(7), nullable=False, index=True),
        sa.Column("lopnr", sa.Integer, nullable=False),
        sa.Column("rader", sa.Integer, nullable=False),
        sa.Column("summa_ore", sa.BigInteger, nullable=False),
        sa.Column("skickad", sa.String(25)),  # when it was marked sent; NULL while not
    )
    op.create_table(
        "invoice_lines",
        sa.Column("run_id", sa.String(40), nullable=False, index=True),
        sa.Column("batch_id", sa.String(40), nullable=False, index=True),
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("artikel", sa.String(40), nullable=False),
        sa.Column("antal", sa.Float, nullable=False),
        sa.Column("a_pris", sa.Float, nullable=False),
        sa.Column("belopp_ore", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("invoice_lines")
    op.drop_table("invoice_batches")
