"""The first ledger: runs, fee lines and clients, compensation, corrections, IVO reports, statistics.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("manad", sa.String(7), nullable=False, index=True),
        sa.Column("status", sa.String(12), nullable=False),  # pending | complete
        sa.Column("skapad", sa.String(25), nullable=False),
        sa.Column("per", sa.String(16), nullable=False),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("indata", sa.Text, nullable=False),  # JSON: export, file, SHA-256
        sa.Column("parametrar", sa.Text, nullable=False),  # JSON: the effective configuration
        sa.Column("nyckeltal", sa.Text, nullable=False),  # JSON: the month's key figures
        sa.Column("summor", sa.Text, nullable=False),  # JSON: totals and corrections made
    )
    op.create_table(
        "fee_lines",
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("manad", sa.String(7), nullable=False),
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("artikel", sa.String(40), nullable=False),
        sa.Column("antal", sa.Float, nullable=False),
        sa.Column("a_pris", sa.Float, nullable=False),
        sa.Column("belopp_ore", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "fee_clients",
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("manad", sa.String(7), nullable=False),
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("utford_tim", sa.Float, nullable=False),
        sa.Column("debiterad_tim", sa.Float, nullable=False),
        sa.Column("besok", sa.Integer, nullable=False),
        sa.Column("larm", sa.Integer, nullable=False),
        sa.Column("dagv_dagar", sa.Integer, nullable=False),
        sa.Column("maltider", sa.Integer, nullable=False),
        sa.Column("matlador", sa.Integer, nullable=False),
        sa.Column("avgiftsutrymme", sa.Float),
        sa.Column("slut", sa.String(10)),
        sa.Column("att_fakturera_ore", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "compensation",
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("manad", sa.String(7), nullable=False),
        sa.Column("utforare", sa.String(200), nullable=False),
        sa.Column("bestallning_id", sa.String(60), nullable=False),  # "" for meal boxes
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("dagar", sa.Integer, nullable=False),
        sa.Column("planerad_franvaro", sa.Integer, nullable=False),
        sa.Column("timmar", sa.Float, nullable=False),
        sa.Column("antal", sa.Integer, nullable=False),  # meal boxes
        sa.Column("verkst", sa.String(10)),
        sa.Column("slut", sa.String(10)),
        sa.Column("belopp_ore", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "corrections",
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("manad", sa.String(7), nullable=False),  # the month that recorded it
        sa.Column("avser", sa.String(7), nullable=False, index=True),  # the month it corrects
        sa.Column("slag", sa.String(12), nullable=False),  # avgift | ersattning
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("artikel", sa.String(40), nullable=False),  # fee article, or "tid"/"matlador"
        sa.Column("utforare", sa.String(200), nullable=False),
        sa.Column("bestallning_id", sa.String(60), nullable=False),
        sa.Column("fakturerat_ore", sa.BigInteger, nullable=False),
        sa.Column("korrekt_ore", sa.BigInteger, nullable=False),
        sa.Column("differens_ore", sa.BigInteger, nullable=False),
        sa.Column("orsak", sa.Text, nullable=False),
    )
    op.create_table(
        "ivo_reports",
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("kvartal", sa.String(7), nullable=False, index=True),
        sa.Column("referensdatum", sa.String(10), nullable=False),
        sa.Column("beslut_id", sa.String(60), nullable=False),
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("rapporttyp", sa.String(20), nullable=False),
        sa.Column("insats", sa.String(100), nullable=False),
        sa.Column("datum", sa.String(10)),  # execution or end date
    )
    op.create_table(
        "statistics",
        sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("manad", sa.String(7), nullable=False),
        sa.Column("pnr", sa.String(13), nullable=False),
        sa.Column("varden", sa.Text, nullable=False),  # JSON: the register variables of the person
    )


def downgrade() -> None:
    for table in ("statistics", "ivo_reports", "corrections", "compensation", "fee_clients", "fee_lines", "runs"):
        op.drop_table(table)
