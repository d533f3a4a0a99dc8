"""Data-quality warnings across exports (vos check): references that do not meet."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vos_cli.frames import plain, shared_keys
from vos_cli.io.contract import Col

WARNING_COLUMNS = [Col.FIL, Col.RAD, Col.VARNING, Col.BESTALLNING_ID, Col.BESLUT_ID, Col.PNR]


def warnings(beslut: pd.DataFrame, orders: pd.DataFrame, visits: pd.DataFrame,
             have_beslut: bool, have_visits: bool) -> pd.DataFrame:
    """Orders without their decision, orders whose client differs from the decision's, visits
    with no order for the same client, provider and insats."""
    out = []
    if have_beslut and len(orders):
        m = orders.merge(beslut[[Col.BESLUT_ID, Col.PNR]], on=Col.BESLUT_ID, how="left",
                         suffixes=("", "_beslut"), indicator=True)
        orphan = m[m["_merge"] == "left_only"]
        out.append(pd.DataFrame({
            Col.FIL: "bestallningar", Col.RAD: orphan["_rad"],
            Col.VARNING: "Beställningens Beslut-ID finns inte bland besluten",
            Col.BESTALLNING_ID: orphan[Col.BESTALLNING_ID], Col.BESLUT_ID: orphan[Col.BESLUT_ID],
            Col.PNR: orphan[Col.PNR]}))
        other = m[(m["_merge"] == "both") & (m[Col.PNR] != m[f"{Col.PNR}_beslut"])]
        out.append(pd.DataFrame({
            Col.FIL: "bestallningar", Col.RAD: other["_rad"],
            Col.VARNING: "Beställningens personnummer skiljer sig från beslutets",
            Col.BESTALLNING_ID: other[Col.BESTALLNING_ID], Col.BESLUT_ID: other[Col.BESLUT_ID],
            Col.PNR: other[Col.PNR]}))
    if have_visits and len(visits):
        # each visit's client, provider and insats as one integer, the orders' the same way, and each
        # visit's key searched among the orders' (no text, no hash table the size of the visit log)
        vkey, okey = shared_keys(visits, orders, [Col.PNR, Col.UTFORARE, Col.INSATS])
        okey = np.unique(okey)
        size = int(max(okey.max(initial=-1), vkey.max(initial=-1))) + 1
        if size <= len(vkey):  # few key values beside the visits (a city's): a table by key value
            known = np.zeros(size, dtype=bool)
            known[okey] = True
            without = ~known[vkey]
        elif len(okey):  # a nation's: a binary search per visit, no table the size of every combination
            without = okey[np.minimum(np.searchsorted(okey, vkey), len(okey) - 1)] != vkey
        else:
            without = np.ones(len(vkey), dtype=bool)
        del vkey
        lost = plain(visits.loc[without, ["_rad", Col.PNR]])
        out.append(pd.DataFrame({
            Col.FIL: "besok", Col.RAD: lost["_rad"],
            Col.VARNING: "Besök utan beställning för samma brukare, utförare och insats",
            Col.BESTALLNING_ID: pd.NA, Col.BESLUT_ID: pd.NA, Col.PNR: lost[Col.PNR]}))
    frames = [f for f in out if len(f)]
    if not frames:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=WARNING_COLUMNS)
