"""Corrections of earlier months (rättelser, rules.md §16) and the changes since last month.

Pure functions over DataFrames. For an earlier month P: correct(P) = P recomputed from the
current exports with P's own parameters; invoiced(P) = what P's recorded run billed plus every
correction recorded for P since. A client/article line (or a provider/order line) where they
differ by at least one öre is a correction in the current month, with its cause in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vos_cli.frames import day_text
from vos_cli.io.contract import Col
from vos_cli.rules import fees as fee_rule
from vos_cli.text import sv

# the corrections as a report shows them
FAKTURERAT, KORREKT, DIFFERENS = "Fakturerat (kr)", "Korrekt (kr)", "Differens (kr)"
UTBETALT = "Utbetalt (kr)"
FEE_COLUMNS = [Col.PNR, Col.MANAD, Col.ARTIKEL, FAKTURERAT, KORREKT, DIFFERENS, Col.ORSAK]
COMP_COLUMNS = [Col.UTFORARE, Col.BESTALLNING_ID, Col.PNR, Col.MANAD, UTBETALT, KORREKT, DIFFERENS, Col.ORSAK]
FORRA, DENNA = "Förra månaden (kr)", "Denna månad (kr)"
CHANGE_COLUMNS = [Col.PNR, FORRA, DENNA, DIFFERENS, Col.ORSAK]
BOXES = "matlador"  # the compensation line of a provider's meal boxes (no order)


def _dates(s: pd.Series) -> np.ndarray:
    """Dates as YYYY-MM-DD text, None where there is none (as the ledger returns them)."""
    text = day_text(pd.Series(s, dtype="datetime64[us]"))
    return text.astype(object).where(text.notna(), None).to_numpy()


def ore(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype="float64") * 100).astype("int64")


def fee_lines(articles: pd.DataFrame) -> pd.DataFrame:
    """A month's article lines in the ledger's form (pnr, artikel, antal, a_pris, belopp_ore)."""
    return pd.DataFrame({"pnr": articles[Col.PNR].to_numpy(), "artikel": articles[Col.ARTIKEL].to_numpy(),
                         "antal": articles[Col.ANTAL].astype("float64").to_numpy(),
                         "a_pris": articles[Col.A_PRIS].astype("float64").to_numpy(),
                         "belopp_ore": ore(articles[Col.BELOPP])})


def fee_clients(basis: pd.DataFrame, details: pd.DataFrame) -> pd.DataFrame:
    """Each client's figures in the ledger's form: what a cause is told from."""
    d = details.set_index(Col.PNR).reindex(basis[Col.PNR])
    slut = pd.Series(d[fee_rule.SLUT].to_numpy(), dtype="datetime64[us]")
    return pd.DataFrame({
        "pnr": basis[Col.PNR].to_numpy(), "utford_tim": basis[Col.UTFORD_TID].astype("float64").to_numpy(),
        "debiterad_tim": basis[Col.DEBITERAD_TID].astype("float64").to_numpy(),
        "besok": d[fee_rule.BESOK].fillna(0).astype("int64").to_numpy(),
        "larm": d[fee_rule.LARM_UNITS].fillna(0).astype("int64").to_numpy(),
        "dagv_dagar": basis[Col.DAGV_DAGAR].astype("int64").to_numpy(),
        "maltider": basis[Col.MALTIDER_ST].astype("int64").to_numpy(),
        "matlador": basis[Col.MATLADOR_ST].astype("int64").to_numpy(),
        "avgiftsutrymme": basis[Col.AVGIFTSUTRYMME_KR].astype("Float64").astype("float64").to_numpy(),
        "slut": _dates(slut), "att_fakturera_ore": ore(basis[Col.ATT_FAKTURERA]),
    })


def _t(v) -> str:
    """A date or text from a row, "" when missing (None from the ledger, NaN from pandas)."""
    return v if isinstance(v, str) else ""


def _num(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else sv(pd.Series([float(v)])).iloc[0]


def _fee_cause(article: str, old: dict | None, new: dict | None, run_date: str) -> str:
    """Why one client's article changed, in the words a fee administrator uses with the client."""
    if old is None:
        return f"ny i underlaget: registrerat efter körningen {run_date}"
    if new is None:
        return "inte längre i underlaget: beslut eller beställning avslutad retroaktivt eller besök borttagna"
    reasons = []
    if article == fee_rule.ART_HEMTJANST:
        d = int(new["besok"]) - int(old["besok"])
        if d > 0:
            reasons.append(f"{d} besök registrerade efter körningen {run_date}")
        elif d < 0:
            reasons.append(f"{-d} besök borttagna efter körningen {run_date}")
        a, b = _t(old["slut"]), _t(new["slut"])
        if b and b != a and (not a or b < a):
            reasons.append(f"beställning avslutad retroaktivt ({b})")
        if not reasons:
            reasons.append(f"debiterad tid ändrad {_num(old['debiterad_tim'])} → {_num(new['debiterad_tim'])} tim")
    elif article == fee_rule.ART_LARM:
        a, b = int(old["larm"]), int(new["larm"])
        reasons.append("trygghetslarm tillkommit retroaktivt" if a == 0 else "trygghetslarm avslutat retroaktivt"
                       if b == 0 else f"trygghetslarm {a} → {b} dagar")
    elif article == fee_rule.ART_DAGV:
        reasons.append(f"närvarodagar ändrade {old['dagv_dagar']} → {new['dagv_dagar']}")
    elif article == fee_rule.ART_TAK:
        a, b = old["avgiftsutrymme"], new["avgiftsutrymme"]
        same = (a is None or np.isnan(a)) and (b is None or np.isnan(b)) or a == b
        reasons.append("avgiften före tak ändrad, så reduceringen till taket ändras" if same else
                       f"avgiftsutrymme ändrat {_num(a) or 'saknas'} → {_num(b) or 'saknas'} kr")
    elif article == fee_rule.ART_MALTID:
        reasons.append(f"måltider ändrade {old['maltider']} → {new['maltider']} st")
    elif article == fee_rule.ART_MATLADA:
        reasons.append(f"matlådor ändrade {old['matlador']} → {new['matlador']} st")
    else:
        reasons.append("avrundningen följer ändringen")
    return "; ".join(reasons)


def fee_corrections(month: str, correct: pd.DataFrame, invoiced: pd.DataFrame, earlier: pd.DataFrame,
                    old_clients: pd.DataFrame, new_clients: pd.DataFrame, run_date: str,
                    skip_articles: tuple[str, ...] = ()) -> pd.DataFrame:
    """Corrections of month P. correct: P's recomputed lines (ledger form); invoiced: P's recorded
    lines; earlier: corrections of P recorded since (differens_ore); *_clients: figures per client."""
    key = ["pnr", "artikel"]
    c = correct.groupby(key)["belopp_ore"].sum().rename("korrekt")
    i = invoiced.groupby(key)["belopp_ore"].sum()
    if len(earlier):
        i = i.add(earlier.groupby(key)["differens_ore"].sum(), fill_value=0)
    t = pd.concat([i.rename("fakturerat"), c], axis=1).fillna(0).astype("int64").reset_index()
    t = t[(t["korrekt"] != t["fakturerat"]) & ~t["artikel"].isin(skip_articles)]
    if not len(t):
        return pd.DataFrame(columns=FEE_COLUMNS)
    old = old_clients.set_index("pnr").to_dict("index")
    new = new_clients.set_index("pnr").to_dict("index")
    causes = [_fee_cause(a, old.get(p), new.get(p), run_date) for p, a in zip(t["pnr"], t["artikel"])]
    order = {a: n for n, a in enumerate(fee_rule.ARTICLES)}
    out = pd.DataFrame({Col.PNR: t["pnr"].to_numpy(), Col.MANAD: month, Col.ARTIKEL: t["artikel"].to_numpy(),
                        FAKTURERAT: t["fakturerat"].to_numpy() / 100, KORREKT: t["korrekt"].to_numpy() / 100,
                        DIFFERENS: (t["korrekt"] - t["fakturerat"]).to_numpy() / 100, Col.ORSAK: causes,
                        "_o": t["artikel"].map(order).fillna(99).to_numpy()})
    return out.sort_values([Col.PNR, "_o"]).drop(columns="_o").reset_index(drop=True)


def compensation_rows(orders: pd.DataFrame, boxes: pd.DataFrame) -> pd.DataFrame:
    """A month's compensation in the ledger's form: one row per order, and per provider and client
    for meal boxes (bestallning_id "")."""
    o = pd.DataFrame({
        "utforare": orders[Col.UTFORARE].to_numpy(), "bestallning_id": orders[Col.BESTALLNING_ID].to_numpy(),
        "pnr": orders[Col.PNR].to_numpy(), "dagar": orders[Col.ERSATTNINGSDAGAR].astype("int64").to_numpy(),
        "planerad_franvaro": orders[Col.PLANERAD_DAGAR].astype("int64").to_numpy(),
        "timmar": orders[Col.ERSATT_TID].astype("float64").to_numpy(), "antal": 0,
        "verkst": _dates(orders[Col.KORREKT_VERKST]),
        "slut": _dates(orders["_slut"] if "_slut" in orders else orders[Col.JUSTERAT_SLUT]),
        "belopp_ore": ore(orders[Col.ERSATTNING_TID]),
    })
    b = pd.DataFrame({"utforare": boxes[Col.UTFORARE].to_numpy(), "bestallning_id": "", "pnr": boxes[Col.PNR].to_numpy(),
                      "dagar": 0, "planerad_franvaro": 0, "timmar": 0.0, "antal": boxes[Col.ANTAL].astype("int64").to_numpy(),
                      "verkst": None, "slut": None, "belopp_ore": ore(boxes[Col.ERSATTNING])})
    return pd.concat([o, b], ignore_index=True)


def _comp_cause(old: dict | None, new: dict | None) -> str:
    if old is None:
        return f"ny i ersättningen: verkställd {_t(new.get('verkst'))}" if new and _t(new.get("verkst")) \
            else "ny i ersättningen"
    if new is None:
        return "inte längre ersättningsgrundande: beställningen ändrad retroaktivt"
    if not _t(new["bestallning_id"]):
        return f"matlådor ändrade {old['antal']} → {new['antal']} st"
    reasons = []
    if _t(old["verkst"]) != _t(new["verkst"]):
        reasons.append(f"verkställighetsdatum ändrat {_t(old['verkst']) or 'saknas'} → {_t(new['verkst']) or 'saknas'}")
    a, b = _t(old["slut"]), _t(new["slut"])
    if a != b:
        reasons.append("beslut avslutat retroaktivt" if b and (not a or b < a) else
                       f"slutdatum ändrat {a or 'öppet'} → {b or 'öppet'}")
    if int(old["planerad_franvaro"]) != int(new["planerad_franvaro"]):
        reasons.append(f"planerad frånvaro ändrad {old['planerad_franvaro']} → {new['planerad_franvaro']} dagar")
    if not reasons:
        reasons.append(f"ersättningsdagar {old['dagar']} → {new['dagar']}" if int(old["dagar"]) != int(new["dagar"])
                       else "beviljad tid ändrad")
    return "; ".join(reasons)


def compensation_corrections(month: str, correct: pd.DataFrame, paid: pd.DataFrame, earlier: pd.DataFrame
                             ) -> pd.DataFrame:
    """Corrections of provider pay for month P, per provider and order (meal boxes per client)."""
    key = ["utforare", "bestallning_id", "pnr"]
    c = correct.groupby(key)["belopp_ore"].sum().rename("korrekt")
    p = paid.groupby(key)["belopp_ore"].sum()
    if len(earlier):
        e = earlier.assign(bestallning_id=earlier["bestallning_id"].fillna(""))
        p = p.add(e.groupby(key)["differens_ore"].sum(), fill_value=0)
    t = pd.concat([p.rename("utbetalt"), c], axis=1).fillna(0).astype("int64").reset_index()
    t = t[t["korrekt"] != t["utbetalt"]]
    if not len(t):
        return pd.DataFrame(columns=COMP_COLUMNS)
    old = {tuple(k): v for k, v in zip(paid[key].to_numpy().tolist(), paid.to_dict("records"))}
    new = {tuple(k): v for k, v in zip(correct[key].to_numpy().tolist(), correct.to_dict("records"))}
    causes = [_comp_cause(old.get(k), new.get(k)) for k in map(tuple, t[key].to_numpy().tolist())]
    out = pd.DataFrame({Col.UTFORARE: t["utforare"].to_numpy(), Col.BESTALLNING_ID: t["bestallning_id"].to_numpy(),
                        Col.PNR: t["pnr"].to_numpy(), Col.MANAD: month, UTBETALT: t["utbetalt"].to_numpy() / 100,
                        KORREKT: t["korrekt"].to_numpy() / 100, DIFFERENS: (t["korrekt"] - t["utbetalt"]).to_numpy() / 100,
                        Col.ORSAK: causes})
    return out.sort_values([Col.UTFORARE, Col.BESTALLNING_ID, Col.PNR], ignore_index=True)


def as_ledger(fee: pd.DataFrame, comp: pd.DataFrame) -> list[dict]:
    """Both kinds of correction in the ledger's form."""
    rows = [{"avser": r[Col.MANAD], "slag": "avgift", "pnr": r[Col.PNR], "artikel": r[Col.ARTIKEL], "utforare": "",
             "bestallning_id": "", "fakturerat_ore": int(round(r[FAKTURERAT] * 100)),
             "korrekt_ore": int(round(r[KORREKT] * 100)), "differens_ore": int(round(r[DIFFERENS] * 100)),
             "orsak": r[Col.ORSAK]} for r in fee.to_dict("records")]
    rows += [{"avser": r[Col.MANAD], "slag": "ersattning", "pnr": r[Col.PNR],
              "artikel": "tid" if r[Col.BESTALLNING_ID] else BOXES, "utforare": r[Col.UTFORARE],
              "bestallning_id": r[Col.BESTALLNING_ID], "fakturerat_ore": int(round(r[UTBETALT] * 100)),
              "korrekt_ore": int(round(r[KORREKT] * 100)), "differens_ore": int(round(r[DIFFERENS] * 100)),
              "orsak": r[Col.ORSAK]} for r in comp.to_dict("records")]
    return rows


def changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Per client, this month against last month in the ledger (both in fee_clients form): new,
    ended, amount changed — with the cause (hours, alarm started or ended, cap changed, days,
    meals). Unchanged clients are left out. Column-wise: a city has 20 000 clients a month."""
    t = current.merge(previous, on="pnr", how="outer", suffixes=("", "_f"), indicator=True)
    was, now = t["att_fakturera_ore_f"].astype("Float64"), t["att_fakturera_ore"].astype("Float64")
    t = t[~((t["_merge"] == "both") & (was == now))]
    was, now = was[t.index], now[t.index]
    cause = pd.Series("", index=t.index, dtype="str")

    def part(mask, text):
        nonlocal cause
        mask = mask.fillna(False).astype(bool) & (t["_merge"] == "both")
        cause = cause.where(~mask, np.where(cause == "", text, cause + "; " + text))

    part(t["debiterad_tim"] != t["debiterad_tim_f"], "timmar " + sv(t["debiterad_tim_f"]) + " → " + sv(t["debiterad_tim"]))
    part((t["larm_f"] == 0) & (t["larm"] > 0), pd.Series("trygghetslarm startat", index=t.index))
    part((t["larm_f"] > 0) & (t["larm"] == 0), pd.Series("trygghetslarm avslutat", index=t.index))
    part((t["larm_f"] > 0) & (t["larm"] > 0) & (t["larm"] != t["larm_f"]),
         "trygghetslarm " + t["larm_f"].astype("Int64").astype("str") + " → " + t["larm"].astype("Int64").astype("str")
         + " dagar")
    ua, ub = t["avgiftsutrymme_f"].astype("float64"), t["avgiftsutrymme"].astype("float64")
    text_a = sv(ua).where(ua.notna(), "saknas")
    text_b = sv(ub).where(ub.notna(), "saknas")
    part(~((ua.isna() & ub.isna()) | (ua == ub)), "avgiftsutrymme " + text_a + " → " + text_b + " kr")
    part(t["dagv_dagar"] != t["dagv_dagar_f"], "dagverksamhet " + t["dagv_dagar_f"].astype("Int64").astype("str")
         + " → " + t["dagv_dagar"].astype("Int64").astype("str") + " dagar")
    part((t["maltider"] != t["maltider_f"]) | (t["matlador"] != t["matlador_f"]),
         "måltider " + t["maltider_f"].astype("Int64").astype("str") + " → " + t["maltider"].astype("Int64").astype("str")
         + ", matlådor " + t["matlador_f"].astype("Int64").astype("str") + " → "
         + t["matlador"].astype("Int64").astype("str"))
    cause = cause.where(cause != "", "taxa eller tak ändrat")
    cause[t["_merge"] == "left_only"] = "ny i avgiftsunderlaget"
    cause[t["_merge"] == "right_only"] = "inte längre i avgiftsunderlaget (avslutad)"
    out = pd.DataFrame({Col.PNR: t["pnr"].to_numpy(), FORRA: (was.astype("float64") / 100).astype("Float64").to_numpy(),
                        DENNA: (now.astype("float64") / 100).astype("Float64").to_numpy(),
                        DIFFERENS: (now.fillna(0).astype("float64") - was.fillna(0).astype("float64")).to_numpy() / 100,
                        Col.ORSAK: cause.to_numpy()})
    return out.sort_values(Col.PNR, ignore_index=True)
