"""The invoice file's lines and its batch (protection against importing a month twice).

Pure functions over DataFrames. A month's invoice is its own article lines plus the corrections
of earlier months (each with the month it corrects). Once a batch of the month has been marked
sent, a later run of the month invoices only what differs from everything sent — correction lines,
never a second full batch. An unsent batch is reproduced by a re-run: same id, same lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vos_cli.io.contract import Col
from vos_cli.rules import corrections as corr
from vos_cli.rules import fees as fee_rule

LINE_COLUMNS = ["pnr", "period", "artikel", "antal", "a_pris", "belopp_ore"]
PREFIX = "VOS"


def batch_id(month: str, number: int) -> str:
    return f"{PREFIX}-{month.replace('-', '')}-{number:02d}"


def lines(articles: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """The month's lines: its articles, then the corrections as lines of their own (antal 1, the
    difference as price) with the month they correct."""
    own = pd.DataFrame({"pnr": articles[Col.PNR].to_numpy(), "period": articles[Col.PERIOD].to_numpy(),
                        "artikel": articles[Col.ARTIKEL].to_numpy(), "antal": articles[Col.ANTAL].astype("float64").to_numpy(),
                        "a_pris": articles[Col.A_PRIS].astype("float64").to_numpy(), "belopp_ore": corr.ore(articles[Col.BELOPP])})
    fix = pd.DataFrame({"pnr": corrections[Col.PNR].to_numpy(), "period": corrections[Col.MANAD].to_numpy(),
                        "artikel": corrections[Col.ARTIKEL].to_numpy(), "antal": 1.0,
                        "a_pris": corrections[corr.DIFFERENS].astype("float64").to_numpy(),
                        "belopp_ore": corr.ore(corrections[corr.DIFFERENS])})
    out = pd.concat([own, fix], ignore_index=True)
    out = out[out["belopp_ore"] != 0]
    # lines of a client and period that net to 0 kr (a service fully reduced to the cap, or a
    # correction that changes nothing) are no invoice: they stay in Artiklar, where they explain why
    net = out.groupby(["pnr", "period"])["belopp_ore"].transform("sum")
    return _order(out[net != 0])


def _order(df: pd.DataFrame) -> pd.DataFrame:
    rank = {a: n for n, a in enumerate(fee_rule.ARTICLES)}
    df = df.assign(_r=df["artikel"].map(rank).fillna(99))
    return df.sort_values(["pnr", "period", "_r"], kind="stable").drop(columns="_r").reset_index(drop=True)[LINE_COLUMNS]


@dataclass
class Plan:
    batch_id: str
    number: int
    lines: pd.DataFrame
    status: str  # for the control file and the terminal
    sent_before: list[str]


def plan(month: str, wanted: pd.DataFrame, batches: pd.DataFrame, sent_lines: pd.DataFrame) -> Plan:
    """Which batch this run's invoice file is, and its lines. batches: the month's batches in the
    ledger (batch_id, lopnr, skickad); sent_lines: the lines of its sent batches."""
    sent = batches[batches["skickad"].notna()] if len(batches) else batches
    unsent = batches[batches["skickad"].isna()] if len(batches) else batches
    if not len(sent):
        number = int(unsent["lopnr"].iloc[-1]) if len(unsent) else 1
        return Plan(batch_id(month, number), number, wanted, "ny batch, inte markerad som skickad", [])
    key = ["pnr", "period", "artikel"]
    have = sent_lines.groupby(key)["belopp_ore"].sum()
    want = wanted.groupby(key)["belopp_ore"].sum()
    diff = want.sub(have, fill_value=0).astype("int64")
    diff = diff[diff != 0].reset_index()
    extra = pd.DataFrame({"pnr": diff["pnr"], "period": diff["period"], "artikel": diff["artikel"], "antal": 1.0,
                          "a_pris": diff["belopp_ore"] / 100, "belopp_ore": diff["belopp_ore"]})
    latest_sent = int(sent["lopnr"].max())
    number = int(unsent["lopnr"].max()) if len(unsent) and int(unsent["lopnr"].max()) > latest_sent else latest_sent + 1
    ids = sent["batch_id"].tolist()
    status = (f"rättelser efter den skickade batchen {', '.join(ids)}: bara skillnaderna" if len(extra) else
              f"inget nytt att fakturera: allt finns i den skickade batchen {', '.join(ids)}")
    return Plan(batch_id(month, number), number, _order(extra), status, ids)


def total_ore(lines_: pd.DataFrame) -> int:
    return int(np.asarray(lines_["belopp_ore"], dtype="int64").sum())
