"""The avgiftsutrymme computed from income, per person and month (for Ändringar next month).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_capacity",
        sa.Column("run_id", sa.String(40), nullable=False, index=True),
        sa.Column("manad", sa.String(7), nullable=False, index=True),
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("civilstand", sa.String(30), nullable=False),
        sa.Column("galler_fran", sa.String(10), nullable=False),
        sa.Column("underlag_ore", sa.BigInteger, nullable=False),
        sa.Column("minimibelopp_ore", sa.BigInteger, nullable=False),
        sa.Column("hojning_ore", sa.BigInteger, nullable=False),
        sa.Column("sankning_ore", sa.BigInteger, nullable=False),
        sa.Column("boende_ore", sa.BigInteger, nullable=False),
        sa.Column("utrymme_ore", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fee_capacity")
