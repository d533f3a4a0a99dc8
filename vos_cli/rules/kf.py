"""The quarterly report to Kommunfullmäktige and the auditors on decisions not executed (SoL (2025:400)
34 kap. 3 §, LSS 28 h §): de-identified, SoL and LSS in separate tables, small counts suppressed.

KF documents are public: the tables hold no personnummer, no birth date, no ID — and a count of 1 …
minsta_antal − 1 persons is shown as "<n" so that no one can be identified in a small municipality.
A suppressed cell must not be recoverable from the others either (secondary suppression, "–"):
every row (Antal = Män + Kvinnor) and every column (Totalt = the sum of the insatser) is a sum, and
no sum may have a single hidden cell — the smallest other cell of it is hidden too, until none has.
"""

from __future__ import annotations

import pandas as pd

from vos_cli import law
from vos_cli.io.contract import Col, Kon
from vos_cli.rules.waiting import KATEGORI, Waiting

GROUPS = [("Ej verkställda", "ej_verkstallda", Col.DAGAR_SEDAN_BESLUT), ("Avbrott", "avbrott", Col.AVBROTT_DAGAR),
          ("Verkställda för sent", "for_sent", Col.VANTETID),
          ("Avslutade utan verkställighet", "avslutade", Col.VANTETID)]
COLUMNS = [Col.INSATS, KATEGORI, Col.ANTAL, Col.MAN, Col.KVINNOR, Col.MEDIAN, Col.LANGSTA]
HIDDEN = "–"


def _raw(w: Waiting, lss: bool, categories: dict[str, str]) -> pd.DataFrame:
    rows = []
    for label, attr, days_col in GROUPS:
        frame = getattr(w, attr)
        part = frame[law.is_lss(frame[Col.LAGRUM]) == lss]
        insats = part[Col.INSATS].map(categories).fillna(part[Col.INSATS])
        for name in sorted(insats.unique()):
            sel = part[insats == name]
            days = sel[days_col].astype("float64")
            rows.append([name, label, len(sel), int((sel[Col.KON] == Kon.MAN).sum()),
                         int((sel[Col.KON] == Kon.KVINNA).sum()), float(days.median()), int(days.max())])
    return pd.DataFrame(rows, columns=COLUMNS)


def _suppress(grid: list[list[int]], minimum: int) -> list[list[object]]:
    """Suppress a table of counts whose last row is the column totals and whose first column is the
    row totals (Antal = Män + Kvinnor).

    Primary: a count of 1 … minimum − 1 is shown as "<minimum". Secondary: every row and every
    column is a sum; as long as one of them has exactly one hidden cell, that cell could be worked
    out from the others, so the smallest other non-zero cell of that line is hidden too ("–").
    Repeated until no line has a lone hidden cell."""
    rows, cols = len(grid), len(grid[0])
    hidden = [[0 < v < minimum for v in row] for row in grid]
    lines = [[(r, c) for c in range(cols)] for r in range(rows)] + [[(r, c) for r in range(rows)] for c in range(cols)]
    secondary: set[tuple[int, int]] = set()
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[r][c] for r, c in line) != 1:
                continue
            others = [(grid[r][c], i, (r, c)) for i, (r, c) in enumerate(line) if not hidden[r][c] and grid[r][c] > 0]
            if others:
                _, _, (r, c) = min(others)
                hidden[r][c] = True
                secondary.add((r, c))
                changed = True
    return [[HIDDEN if (r, c) in secondary else f"<{minimum}" if hidden[r][c] else grid[r][c]
             for c in range(cols)] for r in range(rows)]


def table(w: Waiting, lss: bool, categories: dict[str, str], minimum: int = 3) -> pd.DataFrame:
    raw = _raw(w, lss, categories)
    if not len(raw):
        return pd.DataFrame(columns=COLUMNS)
    parts = []
    for label, _, _ in GROUPS:
        g = raw[raw[KATEGORI] == label].reset_index(drop=True)
        if not len(g):
            continue
        counts = [Col.ANTAL, Col.MAN, Col.KVINNOR]
        grid = g[counts].astype(int).values.tolist()
        grid.append([int(sum(row[j] for row in grid)) for j in range(len(counts))])
        cells = _suppress(grid, minimum)
        shown = g.copy().astype(object)
        for j, c in enumerate(counts):
            shown[c] = [row[j] for row in cells[:-1]]
        total: dict[str, object] = {Col.INSATS: Col.TOTALT, KATEGORI: label}
        total.update({c: cells[-1][j] for j, c in enumerate(counts)})
        for i in range(len(g)):
            # waiting times of fewer than minimum persons identify them: hidden
            if g.at[i, Col.ANTAL] < minimum:
                shown.at[i, Col.MEDIAN] = HIDDEN
                shown.at[i, Col.LANGSTA] = HIDDEN
        n_total = int(g[Col.ANTAL].sum())
        total[Col.MEDIAN] = HIDDEN if n_total < minimum else None
        total[Col.LANGSTA] = HIDDEN if n_total < minimum else int(g[Col.LANGSTA].max())
        if n_total >= minimum:
            frame = getattr(w, next(a for lb, a, _ in GROUPS if lb == label))
            days_col = next(d for lb, _, d in GROUPS if lb == label)
            sel = frame[law.is_lss(frame[Col.LAGRUM]) == lss]
            total[Col.MEDIAN] = float(sel[days_col].astype("float64").median())
        parts.append(pd.concat([shown, pd.DataFrame([total])], ignore_index=True))
    return pd.concat(parts, ignore_index=True)[COLUMNS]
