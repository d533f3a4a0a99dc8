"""The commented vos.toml that `vos init` writes (and `vos sample` beside its exports).

Every key of the configuration is in it, with its unit and the law or routine it comes from.
The municipality's own amounts are left for the municipality to fill in: `vos init` writes
them commented out, so that nothing is ever invoiced at an example tariff by mistake.
"""

from __future__ import annotations

from vos_cli.config import (
    DEFAULT_FEES,
    DEFAULT_INVOICE,
    DEFAULT_LEDGER,
    DEFAULT_REPORTS,
    DEFAULT_RULES,
    DEFAULT_STATISTICS,
    PRISBASBELOPP,
    Config,
)

# example amounts seen in Swedish municipalities in 2026 (reporting.md); the sample's amounts
EXAMPLE_TARIFFS = {"timtaxa": 435, "trygghetslarm": 310, "maltid": 65, "matlada": 78, "dagverksamhet_per_dag": 50}
EXAMPLE_RATES = {"timersattning": 490, "matlada": 70}


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k) if not k.isidentifier() else k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def render(years: list[int], filled: bool = False, kommunkod: str = "") -> str:
    kommunkod = kommunkod or ("9999" if filled else "")  # the sample municipality's (a made-up one)
    """The template. filled=True writes the example amounts as active keys (the sample municipality)."""
    c = "" if filled else "# "
    cfg = Config()
    lines = [
        "# vos.toml — kommunens inställningar för vos (alla nycklar förklaras i docs/configuration.md)",
        "#",
        "# Ange filen med --config vos.toml eller miljövariabeln VOS_CONFIG.",
        "# Kommunens egna belopp ([tariffs.ÅÅÅÅ] och [rates.ÅÅÅÅ]) har inga standardvärden: utan dem",
        "# stannar vos avgifter, vos ersattning och vos run med felkod 2. Ett år utan egen tabell",
        "# använder närmast tidigare år. Nationella belopp (prisbasbelopp, maxtaxa, minimibelopp) är",
        "# inbyggda per år och kan skrivas över i årets [tariffs.ÅÅÅÅ].",
        "",
    ]
    for year in years:
        nat = cfg.national(year) if year in PRISBASBELOPP else None
        lines += [
            f"{c}[tariffs.{year}]              # vad brukaren betalar (kommunens taxa)",
            f"{c}timtaxa = {EXAMPLE_TARIFFS['timtaxa']}                # kr per utförd hemtjänsttimme",
            f"{c}trygghetslarm = {EXAMPLE_TARIFFS['trygghetslarm']}          # kr per påbörjad månad (se [fees] larm_debitering)",
            f"{c}maltid = {EXAMPLE_TARIFFS['maltid']}                  # kr per måltid på dagverksamheten (utanför maxtaxan)",
            f"{c}matlada = {EXAMPLE_TARIFFS['matlada']}                 # kr per levererad matlåda (utanför maxtaxan)",
            f"{c}dagverksamhet_per_dag = {EXAMPLE_TARIFFS['dagverksamhet_per_dag']}   # kr per närvarodag",
        ]
        if nat:
            lines += [
                f"# prisbasbelopp = {nat['prisbasbelopp']:.0f}        # inbyggt för {year} (socialförsäkringsbalken 2 kap.)",
                f"# maxtaxa = {nat['maxtaxa']:.0f}               # inbyggt: 0,5392 × prisbasbelopp / 12 (SoL 2025:400 32 kap. 6 §)",
                f"# minimibelopp_ensamstaende = {nat['minimibelopp_ensamstaende']:.0f}  # inbyggt: 1,4789 × pbb / 12, uppåt (32 kap. 8 §)",
                f"# minimibelopp_sammanlevande = {nat['minimibelopp_sammanlevande']:.0f} # inbyggt: 1,2066 × pbb / 12 per person",
            ]
        else:
            lines.append(f"# prisbasbelopp = …  # ANGE (utan #): prisbasbeloppet för {year} är inte inbyggt i den här versionen")
        lines += [
            "",
            f"{c}[rates.{year}]                # vad utföraren får (ersättning, rutin hemtjänst)",
            f"{c}timersattning = {EXAMPLE_RATES['timersattning']}          # kr per ersatt timme: beviljad tid minus planerad frånvaro",
            f"{c}matlada = {EXAMPLE_RATES['matlada']}                 # kr per matlåda",
            f'# [rates.{year}.utforare."Omsorgshuset AB"]   # en utförare med eget pris',
            "# timersattning = 505",
            "",
        ]
    lines += [
        "[rules]",
        f"end_rule_days = {DEFAULT_RULES['end_rule_days']}                  # femdagarsregeln, kalenderdagar (rutin hemtjänst)",
        f"end_rule_exempt_reasons = {_toml(DEFAULT_RULES['end_rule_exempt_reasons'])}       # avslutsorsaker som inte justeras, t.ex. [\"Särskilt boende\"]",
        f"bevakning_dagar = {DEFAULT_RULES['bevakning_dagar']}               # förvarning före tremånadersgränsen, dagar",
        f"muntligt_beslut_vardagar = {DEFAULT_RULES['muntligt_beslut_vardagar']}       # skriftlig beställning efter muntligt beslut, vardagar",
        f"tackning_dagar = {DEFAULT_RULES['tackning_dagar']}                 # besök som slutar fler dagar före månadens slut: varning",
        f"avgift_timmar = {_toml(DEFAULT_RULES['avgift_timmar'])}  # eller \"utford\", \"beviljad\" (rutin: beviljad och utförd)",
        f"bekraftelse_insatser = {_toml(DEFAULT_RULES['bekraftelse_insatser'])}",
        f"uppfoljning_dagar = {DEFAULT_RULES['uppfoljning_dagar']}             # beslut som upphör inom så många dagar listas",
        f"narvaro_veckor = {DEFAULT_RULES['narvaro_veckor']}                 # dagverksamhet: veckor under avtalade dagar",
        f"lang_franvaro_dagar = {DEFAULT_RULES['lang_franvaro_dagar']}           # dagverksamhet: lång planerad frånvaro, dagar",
        f"korttid_oanvand_manader = {DEFAULT_RULES['korttid_oanvand_manader']}        # korttidsvistelse LSS: hela månader utan dygn",
        "",
        "[fees]",
        f"larm_debitering = {_toml(DEFAULT_FEES['larm_debitering'])}          # \"manad\" per påbörjad månad, \"dag\" per dag",
        f"timmar_avrundning = {_toml(DEFAULT_FEES['timmar_avrundning'])}        # timmar avrundas per \"manad\" eller per \"besok\"",
        f"avrundning = {_toml(DEFAULT_FEES['avrundning'])}                 # att fakturera i \"ore\" eller hela \"krona\"",
        f"kontroll_andring_procent = {DEFAULT_FEES['kontroll_andring_procent']}       # avgift som ändrats mer än så: Att kontrollera",
        f"minimibelopp_under_65_procent = {DEFAULT_FEES['minimibelopp_under_65_procent']}   # kommunens höjning för brukare under 65 år (32 kap. 8 §)",
        "",
        "[invoice]                       # fakturaunderlag_ÅÅÅÅ-MM.csv till ekonomisystemet",
        f"columns = {_toml(DEFAULT_INVOICE['columns'])}",
        "headers = {}                    # t.ex. {Personnummer = \"Kundnr\", Belopp = \"Summa\"}",
        "article_codes = {}              # t.ex. {Hemtjänst = \"1010\", Trygghetslarm = \"1020\", Matlådor = \"1050\"}",
        f"separator = {_toml(DEFAULT_INVOICE['separator'])}",
        f"encoding = {_toml(DEFAULT_INVOICE['encoding'])}              # eller \"cp1252\"",
        f"decimal = {_toml(DEFAULT_INVOICE['decimal'])}                  # decimaltecken: \",\" eller \".\"",
        f"period_format = {_toml(DEFAULT_INVOICE['period_format'])}         # strftime, t.ex. \"%Y%m\"",
        f"header = {_toml(DEFAULT_INVOICE['header'])}                   # en rubrikrad först",
        "",
        "[ledger]                        # vos minne: vad varje månad fakturerade och betalade (docs/ledger.md)",
        "url = \"\"                        # tom: SQLite-filen UTDATA/vos.sqlite; annars t.ex. \"postgresql+psycopg://vos@db/vos\"",
        f"rattelse_manader = {DEFAULT_LEDGER['rattelse_manader']}            # så många tidigare månader räknas om och rättas",
        f"bevara_ar = {DEFAULT_LEDGER['bevara_ar']}                  # körningar äldre än så tas bort ur liggaren",
        "",
        "[reports]",
        f"minsta_antal = {DEFAULT_REPORTS['minsta_antal']}                   # offentliga rapporter: färre personer visas som \"<3\"",
        f"skrivprocesser = {_toml(DEFAULT_REPORTS['skrivprocesser'])}            # arbetsböcker som skrivs samtidigt: \"auto\" eller ett antal",
        "# [reports.ivo_insats]          # kommunens insatsnamn → IVO:s kategori (docs/rules.md)",
        "# \"Hemtjänst\" = \"Hemtjänst\"",
        "",
        "[statistics]                    # Socialstyrelsens individstatistik (HSLF-FS 2016:86)",
        f"kommunkod = {_toml(kommunkod or DEFAULT_STATISTICS['kommunkod'])}                  # fyra siffror; utan den skrivs inga SOL-filer"
        + (" (9999: påhittad)" if kommunkod == "9999" else ""),
        f"encoding = {_toml(DEFAULT_STATISTICS['encoding'])}",
        f"bilagor_i_arbetsbok = {_toml(DEFAULT_STATISTICS['bilagor_i_arbetsbok'])}      # true, false eller \"auto\" (av över 200 000 besöksrader)",
        "# [statistics.insatskoder]      # kommunens insatsnamn → registrets variabel (docs/statistics.md)",
        "# \"Korttidsvård\" = \"KORTTID\"",
        "",
        "[aliases]                       # era rubriker → kontraktets, för alla exporter",
        "# \"Kundnummer\" = \"Personnummer\"",
        "# [aliases.besok]               # bara för en export",
        "# \"Utfört av\" = \"Utförare\"",
        "",
    ]
    return "\n".join(lines)
