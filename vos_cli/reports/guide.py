"""`Läs så här`: how to read each workbook, in Swedish, from one place — what the report is for,
who acts on it, what every sheet, status and code means and which rule (with its source in the
routines or the law) gives each number. Also the status levels that sort and colour the rows.

A sheet a workbook holds but this registry does not describe shows "(beskrivning saknas)" — a test
runs every command and fails on it, so the guide never disagrees with the workbooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from vos_cli import law
from vos_cli.io.contract import ATT_ATGARDA, SHEET_ABOUT, SHEET_GUIDE, SHEET_REJECTED, SHEET_WARNINGS, SUMMA, Blad, Col
from vos_cli.rules import day_activity as da
from vos_cli.rules import discharge, execution, korttid, waiting
from vos_cli.rules import fees as fee_rule
from vos_cli.rules import statistics as st

ACT, WATCH, OK = 0, 1, 2
LEVEL_WORDS = {ACT: "åtgärda", WATCH: "bevaka", OK: "i ordning"}
MISSING = "(beskrivning saknas)"
COLUMNS = ["Avsnitt", "Namn", "Förklaring"]

R003 = "rutinen Start och avslut verkställighet – hemtjänst (Botkyrka 2025)"
R000 = "rutinen Start och avslut verkställighet – dagverksamhet (Botkyrka 2023)"
R001 = "rutinen för beslut och kommunikation – dagverksamhet (Vellinge)"
R004 = "rutinen Start och avslut av verkställighet – korttidsvistelse LSS"

# status value → (level, what it means); the same word means the same everywhere
STATUSES: dict[str, tuple[int, str]] = {
    execution.OK: (OK, "i ordning (verkställighetsdatumet är första besöket; korttid: dygnen inom det beviljade)"),
    execution.FOR_TIDIGT: (ACT, "registrerat före första besöket: rätta verkställighetsdatumet i verksamhetssystemet"),
    execution.FOR_SENT: (ACT, "registrerat efter första besöket: rätta verkställighetsdatumet"),
    execution.EJ_REGISTRERAT: (ACT, "besök finns men inget verkställighetsdatum är registrerat: registrera det"),
    execution.UTAN_BESOK: (ACT, "verkställighetsdatum registrerat men inga besök: kontrollera att insatsen startat"),
    execution.EJ_PABORJAD: (WATCH, "varken besök eller registrerat datum ännu"),
    execution.ACK_I_TID: (OK, "gjort inom fristen (bekräftelse inom 24 timmar, skriftlig beställning, återupptagen "
                              "insats)"),
    execution.ACK_SEN: (ACT, "gjort efter fristen (bekräftelsen, eller insatsen återupptogs efter utskrivningen)"),
    execution.ACK_PASSERAD: (ACT, "inte bekräftad och fristen har passerat: kontakta utföraren"),
    execution.ACK_INOM: (WATCH, "inte bekräftad ännu, fristen har inte passerat"),
    execution.SEN_SKRIFTLIG: (ACT, "skriftlig beställning skickad senare än tre vardagar efter det muntliga beslutet"),
    execution.SKRIFTLIG_SAKNAS: (ACT, "ingen skriftlig beställning efter det muntliga beslutet och fristen har gått"),
    execution.SKRIFTLIG_INOM: (WATCH, "fristen har inte gått ut ännu"),
    discharge.EJ_ATERUPPTAGEN: (ACT, "insatsen har inte återupptagits och fristen har gått"),
    korttid.FLER: (ACT, "fler dygn använda än beviljade: kontakta handläggaren"),
    korttid.SAKNAR: (ACT, "beställningen saknar antal beviljade dygn"),
    korttid.OANVANDA: (WATCH, "inga dygn använda på länge: följ upp behovet"),
    waiting.UTGANGET: (ACT, "beslutets T.o.m. har passerat: avsluta beslutet"),
    waiting.UTGANGET_OVERKSTALLT: (ACT, "giltighetstiden gick ut utan att beslutet verkställdes: rapporteras som avslutat"),
    waiting.BESTALLNING_OPPEN: (ACT, "en beställning är öppen efter beslutets T.o.m.: avsluta beställningen"),
    waiting.UPPHOR_SNART: (WATCH, "beslutet upphör inom uppföljningstiden: följ upp om ett nytt beslut behövs"),
}


def levels() -> dict[str, int]:
    return {k: v[0] for k, v in STATUSES.items()}


@dataclass(frozen=True)
class ReportGuide:
    purpose: str
    who: str
    sheets: dict[str, str]
    rules: list[tuple[str, str]] = field(default_factory=list)
    codes: list[tuple[str, str]] = field(default_factory=list)


GENERIC = {
    SHEET_ABOUT: "period, bedömningstid, version, indatafilerna med lästa, använda och avvisade rader och "
                 "kontrollsumma (SHA-256), bladens kontrollsummor och parametrarna som användes",
    SHEET_GUIDE: "den här sidan: vad rapporten är till för, bladen, statusar, koder och regler",
    SHEET_WARNINGS: "varningar om indata (t.ex. en besöksexport som slutar före månadens slut): rapporten är "
                    "skriven men kan vara ofullständig (exit 1)",
    SHEET_REJECTED: "rader i exporterna som inte kunde användas, med fil, rad, kolumn, värde och orsak — rätta "
                    "dem i verksamhetssystemet och kör igen",
}
SUMMA_TEXT = (f"sista raden i en tabell med belopp, timmar eller antal: summan av raderna som visas (formeln "
              f"SUBTOTAL följer filtret); första cellen är '{SUMMA}'")
COLOURS = "röd rad = åtgärda, gul rad = bevaka; raderna som behöver åtgärd står först"

REPORTS: dict[str, ReportGuide] = {
    "verkstallighet": ReportGuide(
        "Kontroll av verkställighetsdatum, 24-timmarsbekräftelser, utskrivning från sjukhus, korttidsdygn och "
        "muntliga beslut.",
        "Enhetschefer och utförare rättar verkställighetsdatum och följer upp sena bekräftelser; handläggare "
        "skickar skriftliga beställningar efter muntliga beslut.",
        {Blad.VERKSTALLIGHET: "varje beställning i månaden: registrerat verkställighetsdatum mot första utförda "
                              "besöket, med status",
         Blad.BEKRAFTELSER: "utförarens bekräftelse av beställningen inom 24 timmar, med frist och försening",
         Blad.UTSKRIVNING: "brukare som skrivs ut från sjukhus: när insatsen återupptogs mot fristen",
         Blad.KORTTID_DYGN: "korttidsvistelse LSS: använda dygn mot beviljade per beställning",
         Blad.MUNTLIGA: "muntliga beslut och om den skriftliga beställningen kom inom tre vardagar"},
        [(Col.KORREKT_VERKST, f"dagen för första utförda besöket; för trygghetslarm och matdistribution det "
                              f"registrerade datumet ({R003})"),
         (Col.FRIST, f"24 timmar från att beställningen skickades; efter kl. 11 på en fredag eller dag före helgdag "
                     f"räknas tiden från nästa vardag kl. 08 ({R003})"),
         (Col.FORSENING, "timmar efter fristen"),
         (Blad.UTSKRIVNING, f"insatsen ska återupptas senast dagen efter kontakten; kontakt efter kl. 11 ger en dag "
                            f"till ({R003})"),
         (Blad.KORTTID_DYGN, f"dygn = dagar med vistelse i besöksloggen ({R004})")]),
    "avslut": ReportGuide(
        "Femdagarsregeln: när en insats avslutas och vilka dagar som ska registreras som oplanerad frånvaro.",
        "Handläggare och utförare registrerar justerat slutdatum och oplanerad frånvaro.",
        {Blad.AVSLUT: "beställningar som avslutas: meddelat, behovet upphör, framförhållning och justerat slutdatum",
         Blad.OPLANERAD: "dagarna mellan behovets slut och det justerade slutdatumet som registreras som oplanerad "
                         "frånvaro"},
        [(Col.JUSTERAT_SLUT, f"avslutet meddelat + fem dagar när framförhållningen är kortare än fem dagar, annars "
                             f"dagen behovet upphör ({R003})")]),
    "ersattning": ReportGuide(
        "Ersättning till utförarna för månaden: beviljad tid minus planerad frånvaro och matlådor.",
        "Ekonomi betalar ut; utförarna kontrollerar sitt eget underlag (en fil per utförare).",
        {Blad.PER_BESTALLNING: "varje hemtjänstbeställning: ersättningsdagar, ersatt tid och belopp; Förklaring "
                               "säger varför dagarna är färre än månadens",
         Blad.MATLADOR: "matlådor per utförare och brukare",
         Blad.PER_UTFORARE: "summor per utförare — det som betalas ut",
         Blad.RATTELSER: "rättelser av tidigare månader: vad som betalades, vad som är rätt och skillnaden"},
        [(Col.ERSATT_TID, f"beviljad tid × ersättningsdagar / dagar i månaden, två decimaler ({R003})"),
         (Col.ERSATTNINGSDAGAR, "dagar från verkställighetsdatum till slut minus planerad frånvaro; oplanerad "
                                "frånvaro ersätts"),
         (Col.ERSATTNING_TID, "ersatt tid × timersättning, avrundat till öre")]),
    "avgiftsunderlag": ReportGuide(
        "Underlag för månadens avgifter: utförd tid, dagverksamhet, larm, måltider och omsorgsavgiften under "
        "maxtaxan och avgiftsutrymmet, rad för rad som fakturan.",
        "Avgiftshandläggaren kontrollerar Att kontrollera, Förändringar och Rättelser och skickar "
        "fakturaunderlaget.",
        {Blad.AVGIFTSUNDERLAG: "en rad per brukare: mängder, belopp per artikel, tak, omsorgsavgift och att "
                               "fakturera, med beräkningen i ord",
         Blad.NYA: "insatser som startade i månaden",
         Blad.AVSLUTADE: "insatser som slutade i månaden (slutfaktura)",
         Blad.ARTIKLAR: "fakturaraderna per brukare; summan per brukare är Att fakturera",
         Blad.ATT_KONTROLLERA: "brukare att titta på först, med orsak",
         Blad.EJ_VERKST_BEST: "beställningar som inte är verkställda och därför inte faktureras",
         Blad.FORANDRINGAR: "skillnaden mot förra månaden per brukare, med orsak (ur liggaren)",
         Blad.RATTELSER: "rättelser av tidigare månader per brukare och artikel (ur liggaren)",
         Blad.OVER_BEVILJAD: "beställningar där utförd tid är större än beviljad tid"},
        [(Col.DEBITERAD_TID, f"utförd tid, högst beviljad tid för månaden ({R003}); [rules] avgift_timmar"),
         (Col.AVGIFTSTAK, f"det lägsta av maxtaxan och avgiftsutrymmet ({law.FEES_NEW['maxtaxa']})"),
         (Col.OMSORGSAVGIFT, "hemtjänst + larm + dagverksamhet, högst avgiftstaket"),
         (Col.ATT_FAKTURERA, "omsorgsavgift + måltider + matlådor (mat ligger utanför maxtaxan)")],
        [(fee_rule.CAP_MAXTAXA, "Begränsad av: maxtaxan begränsade avgiften"),
         (fee_rule.CAP_UTRYMME, "Begränsad av: avgiftsutrymmet begränsade avgiften"),
         (fee_rule.KALLA_EXPORT, "Avgiftsutrymme källa: från exporten avgiftsutrymme"),
         (fee_rule.KALLA_INKOMSTER, "Avgiftsutrymme källa: beräknat ur inkomster (avgiftsberakning)"),
         (fee_rule.KALLA_SAKNAS, "Avgiftsutrymme källa: inget avgiftsutrymme; taket är maxtaxan")]),
    "avgiftsberakning": ReportGuide(
        "Avgiftsutrymmet beräknat ur inkomst, boendekostnad och hushåll, varje steg i ord.",
        "Avgiftshandläggaren kontrollerar Att kontrollera och Ändringar innan avgifterna faktureras.",
        {Blad.AVGIFTSUTRYMME: "en rad per person: avgiftsunderlag, minimibelopp, individuella belopp, "
                              "boendekostnad, förbehållsbelopp och avgiftsutrymme, med beräkningen",
         Blad.ANDRINGAR: "personer vars avgiftsutrymme ändrats sedan förra månaden, från vilken månad och varför",
         Blad.ATT_KONTROLLERA: "personer som inte kunde beräknas eller har avgiftsutrymme under noll, med orsak"},
        [(Col.AVGIFTSUNDERLAG_KR, f"inkomst efter skatt + bostadstillägg; makar hälften av sin sammanlagda inkomst "
                                  f"({law.FEES_NEW['avgiftsunderlag']})"),
         (Col.MINIMIBELOPP_KR, f"1/12 av 1,4789 (ensamstående) eller 1,2066 (sammanlevande) prisbasbelopp, avrundat "
                               f"uppåt ({law.FEES_NEW['minimibelopp']})"),
         (Col.FORBEHALLSBELOPP_KR, "minimibelopp + höjning − sänkning + boendekostnad"),
         (Col.GALLER_FRAN, f"från den 1:a i månaden om uppgiften gäller från den 1:a, annars från nästa månad "
                           f"({law.FEES_NEW['andring']})")]),
    "ej_verkstallda": ReportGuide(
        "Beslut som inte verkställts inom tre månader, avbrott och utgående beslut — underlag för IVO-rapporten "
        "varje kvartal och sektionsledarnas månadsmöte.",
        "Sektionsledare och handläggare skriver skäl till dröjsmål och rapporterar till IVO; "
        "kommunfullmäktige får kf_rapport.",
        {Blad.EJ_VERKSTALLDA: "beslut som inte verkställts tre månader efter beslutsdatum",
         Blad.FOR_SENT: "beslut som verkställdes i kvartalet men efter tremånadersgränsen",
         Blad.AVSLUTADE_UTAN: "beslut som avslutades i kvartalet utan att ha verkställts",
         Blad.AVBROTT: "verkställda beslut med avbrott i mer än tre månader",
         Blad.BEVAKNING: "beslut som passerar tremånadersgränsen inom bevakningstiden",
         Blad.DUBBLA: "två beviljade beslut om samma insats för samma person som gäller samtidigt",
         Blad.IVO: "en rad per rapport, fälten i den ordning IVO:s e-tjänst frågar efter dem",
         Blad.SAMMANSTALLNING: "antal per insats och kategori, män och kvinnor, väntetider (utan personnummer)",
         Blad.INAKTUELLA: "beslut som gått ut eller snart upphör (månadsmötet)",
         Blad.SAKNAR_SKAL: "IVO-rader utan skäl till dröjsmål — IVO kräver skälet",
         Blad.VANTANDE: "alla beslut som väntar på verkställighet, med väntetid"},
        [(Col.TREMANADERSDATUM, "beslutsdatum + tre kalendermånader (30 november → 28/29 februari)"),
         (Col.DAGAR_SEDAN_BESLUT, "till verkställighets- eller avslutsdatum, annars till referensdatumet"),
         (waiting.ENLIGT, f"{law.REPORTING_SUMMARY}")],
        [(waiting.IVO_EJ, "Rapporttyp: inte verkställt"), (waiting.IVO_AVBROTT, "Rapporttyp: avbrott"),
         (waiting.IVO_VERKSTALLT, "Rapporttyp: verkställt efter rapportering eller för sent"),
         (waiting.IVO_AVSLUTAT, "Rapporttyp: avslutat utan verkställighet"),
         (waiting.NY, "Ny/Återrapportering: första rapporten om beslutet"),
         (waiting.ATER, "Ny/Återrapportering: rapporterat ett tidigare kvartal"),
         (waiting.DELVIS, "en insats av beslutet är verkställd, en annan inte: rapporteras för den delen")]),
    "kf_rapport": ReportGuide(
        "Kvartalsrapport till kommunfullmäktige och revisorerna om ej verkställda beslut — allmän handling utan "
        "personuppgifter.",
        "Sektionsledaren lämnar den till nämnden och kommunfullmäktige.",
        {"SoL": f"beslut enligt socialtjänstlagen ({law.SOL_KF_NEW})", "LSS": f"beslut enligt LSS ({law.LSS_KF})"},
        [(Col.MEDIAN, "median av dagar sedan beslut (väntetid för verkställda och avslutade)")],
        [("<3", "1–2 personer: dolt så att ingen kan identifieras ([reports] minsta_antal)"),
         ("–", "dolt för att ett dolt värde inte ska kunna räknas fram ur summorna")]),
    "statistik": ReportGuide(
        "Socialstyrelsens individstatistik för månaden (bistånd enligt SoL); textfilerna lämnas i Filip.",
        "Statistikansvarig lämnar SOL1- och SOL2-filerna senast den 15:e.",
        {Blad.BILAGA1: "beslut med pågående insats månadens sista dag",
         Blad.BILAGA2: "beslut som startade eller slutade i månaden",
         Blad.PER_PERSON: "registrets variabler per person",
         Blad.SAMMANSTALLNING: "antal personer per insats, kön och åldersgrupp"},
        [("HTJTIM", "beviljade hemtjänsttimmar i månaden, i proportion till dagarna beslutet gällde")],
        [("777", "HTJTIM: hemtjänst dygnet runt"), ("888", "HTJTIM: ingen hemtjänst (ej aktuellt)"),
         ("999", "HTJTIM: omfattning saknas"), ("Start", f"{st.HANDELSE}: insatsen startade i månaden"),
         ("Slut", f"{st.HANDELSE}: insatsen slutade i månaden")]),
    "lss_statistik": ReportGuide(
        "Socialstyrelsens årliga LSS-statistik: insatser enligt LSS 9 § som gäller 1 oktober.",
        "Statistikansvarig lämnar uppgifterna senast 25 oktober.",
        {"Per person": "en rad per person med 1 för varje LSS-insats som gäller referensdagen",
         "Sammanställning": "antal personer per insats"}),
    "dagverksamhet": ReportGuide(
        "Dagverksamheten: deltagarlista per enhet, gemensam kö, lediga platser och förslag på erbjudanden.",
        "Samordnaren erbjuder platser i köordning; handläggare följer upp närvaro och lång frånvaro.",
        {Blad.DELTAGARLISTA: f"rutinens månadslista per enhet: besökare, i kö och lediga platser ({R001})",
         Blad.KO: "den gemensamma kön i prioritetsordning",
         Blad.NARVARO: "brukare som kommit färre dagar än avtalat",
         Blad.LANG_FRANVARO: "planerad frånvaro längre än gränsen",
         Blad.ERBJUDANDEN: "förslag: vem som kan erbjudas plats var, i köordning",
         Blad.SAMMANFATTNING: "antal per uppgift",
         Blad.MALTIDER: "måltider vid dagverksamheten per brukare"},
        [(da.PRIORITET, f"byte av enhet först, sedan utökning, sedan nya brukare; inom varje efter beslutsdatum "
                        f"({R000})")],
        [(da.NY, "Typ: ny brukare"), (da.UTOKNING, "Typ: fler dagar för en som redan deltar"),
         (da.BYTE, "Typ: byte till en annan enhet")]),
    "datakvalitet": ReportGuide(
        "Datakvaliteten i exporterna: vad som inte kunde användas, varningar och hur väl exporterna täcker månaden.",
        "Systemförvaltare och den som tar ut exporterna rättar och tar ut nya.",
        {Blad.TACKNING: "varje exports första och sista datum och rader i månaden",
         Blad.OVERLAPP: "beställningar för samma person och insats som gäller samtidigt"}),
    "oversikt": ReportGuide(
        "Månaden i korthet: nyckeltal, utförarnas uppföljning, väntande beslut och trenden över tolv månader.",
        "Ledningen och sektionsledarna; siffrorna kommer ur månadens övriga rapporter.",
        {Blad.NYCKELTAL: "månadens nyckeltal med rapporten och bladet de kommer från",
         Blad.UTFORARE: "uppföljning per utförare: bekräftelser i tid, verkställighetsdatum, frånvaro, ersättning",
         Blad.VANTANDE: "väntande beslut per insats och väntetid",
         Blad.TREND: "nyckeltalen per månad (ur liggaren och månadernas manifest)"},
        [(Col.ANDEL_I_TID, "bekräftade i tid / skickade beställningar som omfattas av 24-timmarsregeln")]),
    "historik": ReportGuide(
        "Vad liggaren har registrerat: månaderna, och för en brukare avgiftsraderna och rättelserna.",
        "Avgiftshandläggare och revisorer.",
        {"Månader": "registrerade månader med körning, summor och rättelser", "Avgiftsrader": "brukarens "
         "avgiftsrader per månad", "Rättelser": "rättelser som gäller brukaren"}),
}


def report_guide(filename: str) -> ReportGuide | None:
    """The guide of a workbook by its file name (the longest known prefix)."""
    for prefix in sorted(REPORTS, key=len, reverse=True):
        if filename.startswith(prefix + "_") or filename.startswith(prefix + "."):
            return REPORTS[prefix]
    return None


def describe(g: ReportGuide | None, sheet: str) -> str:
    if sheet in GENERIC:
        return GENERIC[sheet]
    if sheet.startswith(ATT_ATGARDA + " – "):
        return f"bara de rader i bladet {sheet.split(' – ', 1)[1]} som behöver åtgärd eller bevakning"
    if g is not None and sheet in g.sheets:
        return g.sheets[sheet]
    if g is not None and sheet.split(" (")[0] in g.sheets:  # a sheet split at Excel's row limit
        return g.sheets[sheet.split(" (")[0]] + " (fortsättning)"
    return MISSING


def empty_text(g: ReportGuide | None, sheet: str, period: str) -> str:
    what = describe(g, sheet)
    return f"Inget att rapportera för {period}." + ("" if what == MISSING else f" Bladet visar {what}.")


def sheet(filename: str, title: str, names: list[str], statuses: set[str]) -> pd.DataFrame:
    """The rows of `Läs så här` for a workbook with these sheets and these status values."""
    g = report_guide(filename)
    rows: list[tuple[str, str, str]] = [("Rapporten", title, g.purpose if g else title)]
    if g is not None:
        rows.append(("Vem gör vad", "", g.who))
    rows += [("Blad", n, describe(g, n)) for n in [SHEET_ABOUT, SHEET_GUIDE] + names]
    for status in sorted(statuses, key=lambda s: (STATUSES.get(s, (1, ""))[0], s)):
        level, meaning = STATUSES.get(status, (WATCH, ""))
        rows.append(("Status", status, f"{meaning} ({LEVEL_WORDS[level]})" if meaning else LEVEL_WORDS[level]))
    if statuses:
        rows.append(("Färger", "", COLOURS))
    for code, meaning in (g.codes if g else []):
        rows.append(("Kod", code, meaning))
    for number, rule in (g.rules if g else []):
        rows.append(("Regel", number, rule))
    rows.append(("Summa", SUMMA, SUMMA_TEXT))
    rows.append(("Format", "", "belopp i kronor med öre, antal utan decimaler, timmar med två decimaler, andelar i "
                               "procent, datum ÅÅÅÅ-MM-DD; reglerna i sin helhet: docs/rules.md"))
    return pd.DataFrame(rows, columns=COLUMNS)
