"""Which period each export covers, and whether the visit log covers the month (rules: never a
silently wrong month). Pure functions over DataFrames; the command layer turns a gap into exit 2."""

from __future__ import annotations

import pandas as pd

from vos_cli.io.contract import Col, Insats

# the date that places a row of each export in time (franvaro: an interval)
DATE_OF = {
    "beslut": (Col.BESLUTSDATUM, None), "bestallningar": (Col.SKICKAD, None), "besok": (Col.DATUM, None),
    "franvaro": (Col.FROM, Col.TOM), "maltider": (Col.MANAD, None), "utskrivningar": (Col.KONTAKT, None),
    "erbjudanden": (Col.DATUM, None), "inkomster": (Col.GILTIG_FROM, None),
}
SPAN_COLUMNS = [Col.FIL, Col.FORSTA_DATUM, Col.SISTA_DATUM, Col.RADER_I_MANADEN]
# services whose execution shows in the time registration
WITH_VISITS = (Insats.HEMTJANST, Insats.DAGVERKSAMHET, Insats.KORTTID_LSS)


def _bounds(name: str, df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    start_col, end_col = DATE_OF[name]
    if name == "maltider":
        start = pd.to_datetime(df[start_col] + "-01", format="%Y-%m-%d", errors="coerce")
        return start, start + pd.offsets.MonthEnd(0)
    start = df[start_col].astype("datetime64[us]").dt.normalize()
    end = df[end_col].astype("datetime64[us]").dt.normalize() if end_col else start
    return start, end


def spans(frames: dict[str, tuple[str, pd.DataFrame]], first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Per export (file names, frame): first and last date it covers and its rows in the month."""
    rows = []
    for name, (label, df) in frames.items():
        if name not in DATE_OF:
            rows.append([label, pd.NaT, pd.NaT, len(df)])
            continue
        start, end = _bounds(name, df)
        in_month = (start <= last) & (end >= first)
        rows.append([label, start.min(), end.max(), int(in_month.sum())])
    out = pd.DataFrame(rows, columns=SPAN_COLUMNS)
    for c in (Col.FORSTA_DATUM, Col.SISTA_DATUM):
        out[c] = out[c].astype("datetime64[us]")
    out[Col.RADER_I_MANADEN] = out[Col.RADER_I_MANADEN].astype("int64")
    return out


def visit_days(visits: pd.DataFrame) -> pd.DataFrame:
    """The visit log's distinct days, one row each: all that `visit_coverage` asks of the log (a
    city's log is 4 M rows, checked for the month and each earlier month it corrects)."""
    days = pd.Series(visits[Col.DATUM].dropna().unique(), dtype="datetime64[us]").sort_values(ignore_index=True)
    return pd.DataFrame({Col.DATUM: days})


def visit_coverage(orders: pd.DataFrame, visits: pd.DataFrame, label: str, first: pd.Timestamp,
                   last: pd.Timestamp, as_of: pd.Timestamp, tolerance_days: int) -> tuple[str | None, str | None]:
    """(error, warning). visits: the visit log or its distinct days (visit_days). Error: orders of
    services with visits run in the month but the visit log has no row in it. Warning: the visits
    stop more than tolerance_days before the month's end (or the as-of date, when that is earlier)."""
    month = f"{first:%Y-%m}"
    running = orders[orders[Col.INSATS].isin(WITH_VISITS) & (orders[Col.STARTDATUM] <= last)
                     & (orders[Col.SLUTDATUM].isna() | (orders[Col.SLUTDATUM] >= first))]
    dates = visits[Col.DATUM]
    in_month = dates[(dates >= first) & (dates <= last)]
    if len(running) and not len(in_month):
        if not len(dates):
            return (f"{label} innehåller inga besök, men {len(running)} beställningar med besök löper i {month} — "
                    f"exportera tidsregistreringen för {month}"), None
        lo, hi = dates.min(), dates.max()
        return (f"{label} täcker {lo:%Y-%m-%d}–{hi:%Y-%m-%d}, inte {month} — ange --month {hi:%Y-%m} "
                f"eller exportera tidsregistreringen för {month}"), None
    if not len(in_month):
        return None, None
    end = min(last, as_of.normalize())
    gap = (end - in_month.max()).days
    if gap > tolerance_days:
        return None, (f"sista besöket i {month} är {in_month.max():%Y-%m-%d}, {gap} dagar före "
                      f"{'månadens slut' if end == last else 'bedömningsdagen'} ({end:%Y-%m-%d}) — tidsregistreringen "
                      f"kan vara ofullständig; kör igen med en komplett export")
    return None, None


def meals_coverage(meals: pd.DataFrame, label: str, month: str) -> str | None:
    """A meal export with rows, but none for the month: the month's report is probably missing."""
    if len(meals) and not (meals[Col.MANAD] == month).any():
        months = sorted(meals[Col.MANAD].dropna().unique())
        return (f"{label} har inga rader för {month} (den täcker {months[0]}–{months[-1]}) — måltider och matlådor "
                f"blir 0 för månaden; lägg till månadens rapport")
    return None


def income_coverage(income: pd.DataFrame, label: str, first: pd.Timestamp) -> str | None:
    """An income export whose every row applies only after the month (32 kap. 10 §): it does not
    cover the month — an error, not an avgiftsutrymme of nobody."""
    from vos_cli.rules.income import applies_from

    if not len(income):
        return None
    starts = applies_from(income[Col.GILTIG_FROM])
    if (starts <= first).any():
        return None
    return (f"{label}: ingen rad gäller {first:%Y-%m} (tidigaste gäller från {starts.min():%Y-%m-%d}) — exportera "
            f"inkomsterna som gäller {first:%Y-%m} eller ange en senare --month")
