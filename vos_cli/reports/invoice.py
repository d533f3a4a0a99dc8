"""fakturaunderlag_YYYY-MM.csv (the finance system's import) and its control file.

The layout is the municipality's ([invoice]: columns and their headers, article codes, separator,
encoding, decimal sign, period format, a header line or not), since every finance system (Raindance,
Unit4, Visma …) takes its own. The CSV holds invoice lines only; the batch id, line count and sum
go in fakturaunderlag_YYYY-MM_kontroll.txt beside it. Both are written through the workbook's
atomic writer, and a re-run gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from typing import Any

import pandas as pd

from vos_cli import __version__
from vos_cli.errors import ConfigError
from vos_cli.frames import each_distinct
from vos_cli.rules import invoice as rule
from vos_cli.text import sv1

FIELDS = ("Personnummer", "Period", "Artikel", "Artikelkod", "Antal", "À-pris", "Belopp", "Batch", "Text")


def file_names(month: str) -> tuple[str, str]:
    return f"fakturaunderlag_{month}.csv", f"fakturaunderlag_{month}_kontroll.txt"


def _number(values: pd.Series, decimal: str, fixed: bool) -> list[str]:
    """Each distinct amount formatted once (a batch has tens of thousands of lines, a few hundred
    distinct amounts)."""
    def text(v: float) -> str:
        return (f"{v:.2f}" if fixed else f"{v:.2f}".rstrip("0").rstrip(".")).replace(".", decimal)

    return each_distinct(values.astype("float64"), text, missing=text(float("nan"))).tolist()


def render(plan: rule.Plan, month: str, layout: dict[str, Any]) -> str:
    columns = list(layout.get("columns") or [])
    unknown = [c for c in columns if c not in FIELDS]
    if unknown or not columns:
        raise ConfigError(f"[invoice] columns: okänd kolumn {unknown[0]!r} — tillåtna är {', '.join(FIELDS)}" if unknown
                          else "[invoice] columns får inte vara tom")
    decimal = str(layout.get("decimal", ","))
    sep = str(layout.get("separator", ";"))
    if decimal == sep:
        raise ConfigError("[invoice] decimal och separator är samma tecken — välj t.ex. separator \";\" och decimal \",\"")
    codes = {str(k): str(v) for k, v in (layout.get("article_codes") or {}).items()}
    headers = {str(k): str(v) for k, v in (layout.get("headers") or {}).items()}
    fmt = str(layout.get("period_format", "%Y-%m"))
    ln = plan.lines
    periods = {p: dt.date(int(p[:4]), int(p[5:7]), 1).strftime(fmt) for p in ln["period"].unique()}
    period, article = ln["period"].tolist(), ln["artikel"].tolist()
    values = {
        "Personnummer": ln["pnr"].tolist(), "Period": [periods[p] for p in period],
        "Artikel": article, "Artikelkod": [codes.get(a, a) for a in article],
        "Antal": _number(ln["antal"], decimal, False), "À-pris": _number(ln["a_pris"], decimal, True),
        "Belopp": _number(ln["belopp_ore"] / 100, decimal, True), "Batch": [plan.batch_id] * len(ln),
        "Text": ["Rättelse av " + p if p != month else "" for p in period],
    }
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if layout.get("header", True):
        writer.writerow([headers.get(c, c) for c in columns])
    writer.writerows(zip(*(values[c] for c in columns)))
    return buf.getvalue()


def control(plan: rule.Plan, month: str, csv_bytes: bytes, as_of: str) -> str:
    lines = plan.lines
    corrections = lines[lines["period"] != month]
    total = rule.total_ore(lines) / 100
    name, _ = file_names(month)
    sent_note = (f"Efter importen: markera batchen som skickad med `vos invoice --mark-sent {month}` — då blir "
                 "en ny körning av månaden bara rättelserader, aldrig en andra hel batch.")
    return "\r\n".join([
        f"Fakturaunderlag för {month}",
        f"Batch: {plan.batch_id}",
        f"Fil: {name}",
        f"Rader: {len(lines)}",
        f"Summa: {sv1(total)} kr ({total:.2f})",
        f"Varav rättelser av tidigare månader: {len(corrections)} rader, {sv1(rule.total_ore(corrections) / 100)} kr",
        f"SHA-256 för filen: {hashlib.sha256(csv_bytes).hexdigest()}",
        f"Status: {plan.status}",
        f"Skapad av: vos {__version__}, underlag per {as_of}",
        sent_note, "",
    ])


def attachments(plan: rule.Plan, month: str, layout: dict[str, Any], as_of: str) -> list[tuple[str, str, str]]:
    encoding = str(layout.get("encoding", "utf-8"))
    text = render(plan, month, layout)
    try:
        data = text.encode(encoding)
    except (LookupError, UnicodeEncodeError) as exc:
        raise ConfigError(f"[invoice] encoding {encoding!r}: {exc} — välj t.ex. \"utf-8\" eller \"cp1252\"") from None
    name, control_name = file_names(month)
    return [(name, text, encoding), (control_name, control(plan, month, data, as_of), "utf-8")]
