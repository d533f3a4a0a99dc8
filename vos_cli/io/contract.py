"""The data contract: every Swedish column, sheet and value name lives here, once.

Scripts depend on these names (see docs/input-format.md); never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Col:
    """Column names, inputs and reports alike."""

    # inputs
    BESLUT_ID = "Beslut-ID"
    BESTALLNING_ID = "Beställnings-ID"
    PNR = "Personnummer"
    INSATS = "Insats"
    LAGRUM = "Lagrum"
    UTFALL = "Beslutsutfall"
    BESLUTSDATUM = "Beslutsdatum"
    FROM = "Fr.o.m."
    TOM = "T.o.m."
    OMFATTNING = "Omfattning"
    ONSKAD_UTFORARE = "Önskad utförare"
    HANDLAGGARE = "Handläggare"
    AVSLUTSDATUM = "Avslutsdatum"
    AVSLUTSORSAK = "Avslutsorsak"
    SKAL_DROJSMAL = "Skäl till dröjsmål"
    UTFORARE = "Utförare"
    SKICKAD = "Skickad"
    BEKRAFTAD = "Bekräftad"
    STARTDATUM = "Startdatum"
    SLUTDATUM = "Slutdatum"
    VERKSTALLIGHETSDATUM = "Verkställighetsdatum"
    AVSLUT_MEDDELAT = "Avslut meddelat"
    BEHOV_UPPHOR = "Behov upphör"
    AVBROTT_FROM = "Avbrott fr.o.m."
    AVBROTT_TOM = "Avbrott t.o.m."
    MUNTLIGT_BESLUT = "Muntligt beslut"
    DATUM = "Datum"
    MINUTER = "Minuter"
    TYP = "Typ"
    ORSAK = "Orsak"
    MANAD = "Månad"
    ANTAL = "Antal"
    AVGIFTSUTRYMME = "Avgiftsutrymme"
    ENHET = "Enhet"
    PLATSER = "Platser per dag"
    PERSONKRETS = "Personkrets"
    KONTAKT = "Kontakt"
    BEHOV = "Behov"
    VAD = "Vad"
    SVAR = "Svar"
    CIVILSTAND = "Civilstånd"
    PARTNER = "Make/maka/sambo"
    INKOMST = "Inkomst efter skatt"
    BOSTADSTILLAGG = "Bostadstillägg"
    BOENDEKOSTNAD = "Boendekostnad"
    HOJNING = "Individuell höjning"
    SANKNING = "Individuell sänkning"
    GILTIG_FROM = "Giltig fr.o.m."
    EGEN_BOENDEKOSTNAD = "Egen boendekostnad"  # optional: a partner's own share of the housing cost

    # coverage (vos check)
    FORSTA_DATUM = "Första datum"
    SISTA_DATUM = "Sista datum"
    RADER_I_MANADEN = "Rader i månaden"

    # rejected rows and warnings
    FIL = "Fil"
    RAD = "Rad"
    KOLUMN = "Kolumn"
    VARDE = "Värde"
    VARNING = "Varning"
    KOMMENTAR = "Kommentar"

    # execution dates
    REG_VERKST = "Registrerat verkställighetsdatum"
    FORSTA_BESOK = "Första utförda besök"
    KORREKT_VERKST = "Korrekt verkställighetsdatum"
    STATUS = "Status"
    RAKNAS_FRAN = "Räknas från"
    FRIST = "Frist"
    FORSENING = "Försening (timmar)"
    SKRIFTLIG_STATUS = "Skriftlig beställning"

    # end dates
    FRAMFORHALLNING = "Framförhållning (dagar)"
    JUSTERAT_SLUT = "Justerat slutdatum"
    OPLANERAD_DAGAR = "Oplanerad frånvaro (dagar)"
    DAGAR = "Dagar"

    # compensation
    BEVILJAD_TID = "Beviljad tid (tim/mån)"
    ERSATTNINGSDAGAR = "Ersättningsdagar"
    PLANERAD_DAGAR = "Planerad frånvaro (dagar)"
    ERSATT_TID = "Ersatt tid (tim)"
    TIMERSATTNING = "Timersättning (kr)"
    ERSATTNING_TID = "Ersättning tid (kr)"
    PRIS = "Pris (kr)"
    ERSATTNING = "Ersättning (kr)"
    ANTAL_BRUKARE = "Antal brukare"
    MATLADOR_ST = "Matlådor (st)"
    ERSATTNING_MATLADOR = "Ersättning matlådor (kr)"
    SUMMA = "Summa (kr)"
    FORKLARING = "Förklaring"

    # fees
    UTFORD_TID = "Utförd tid hemtjänst (tim)"
    DAGV_DAGAR = "Dagverksamhet (dagar)"
    TRYGGHETSLARM = "Trygghetslarm"
    MALTIDER_ST = "Måltider (st)"
    AVGIFT_FORE_TAK = "Avgift före tak (kr)"
    AVGIFTSTAK = "Avgiftstak (kr)"
    OMSORGSAVGIFT = "Omsorgsavgift (kr)"
    MATKOSTNAD = "Matkostnad (kr)"
    ATT_FAKTURERA = "Att fakturera (kr)"
    TAK_ORSAK = "Begränsad av"
    HEMTJANST_KR = "Hemtjänst (kr)"
    TRYGGHETSLARM_KR = "Trygghetslarm (kr)"
    DAGVERKSAMHET_KR = "Dagverksamhet (kr)"
    MALTIDER_KR = "Måltider (kr)"
    MATLADOR_KR = "Matlådor (kr)"
    UTRYMME_KALLA = "Avgiftsutrymme källa"
    BERAKNING = "Beräkning"
    DEBITERAD_TID = "Debiterad tid hemtjänst (tim)"
    AVGIFTSUTRYMME_KR = "Avgiftsutrymme (kr)"
    # avgiftsberäkning (the avgiftsutrymme from income)
    AVGIFTSUNDERLAG_KR = "Avgiftsunderlag (kr)"
    MINIMIBELOPP_KR = "Minimibelopp (kr)"
    HOJNING_KR = "Individuell höjning (kr)"
    SANKNING_KR = "Individuell sänkning (kr)"
    BOENDEKOSTNAD_KR = "Boendekostnad (kr)"
    FORBEHALLSBELOPP_KR = "Förbehållsbelopp (kr)"
    GALLER_FRAN = "Gäller från"
    PERIOD = "Period"
    ARTIKEL = "Artikel"
    A_PRIS = "À-pris (kr)"
    BELOPP = "Belopp (kr)"
    BEVILJAD_MANAD = "Beviljad tid i månaden (tim)"
    UTFORD_TIM = "Utförd tid (tim)"
    OVER_BEVILJAD = "Över beviljad (tim)"

    # non-executed
    KON = "Kön"
    FODELSEAR = "Födelseår"
    TREMANADERSDATUM = "Tremånadersdatum"
    DAGAR_SEDAN_BESLUT = "Dagar sedan beslut"
    RAPPORTTYP = "Rapporttyp"
    DAGAR_TILL_GRANS = "Dagar till tremånadersgräns"
    AVBROTT_DAGAR = "Dagar sedan avbrott"
    DUBBLETT_MED = "Överlappar beslut"
    VANTETID = "Väntetid (dagar)"

    # counts by sex and waiting times (Sammanställning of several reports)
    MAN = "Män"
    KVINNOR = "Kvinnor"
    TOTALT = "Totalt"
    MEDIAN = "Medianväntetid (dagar)"
    LANGSTA = "Längsta väntetid (dagar)"

    # day activity and the overview
    KAPACITET = "Kapacitet (dagar/vecka)"
    BELAGDA = "Belagda dagar/vecka"
    LEDIGA_DAGAR = "Lediga dagar/vecka"
    ANDEL_I_TID = "Andel i tid (%)"


class Blad:
    """Sheet names of the reports (data-contract.md)."""

    VERKSTALLIGHET = "Verkställighet"
    BEKRAFTELSER = "Bekräftelser"
    AVSLUT = "Avslut"
    OPLANERAD = "Oplanerad frånvaro"
    PER_BESTALLNING = "Per beställning"
    MATLADOR = "Matlådor"
    PER_UTFORARE = "Per utförare"
    AVGIFTSUNDERLAG = "Avgiftsunderlag"
    NYA = "Nya"
    AVSLUTADE = "Avslutade"
    EJ_VERKSTALLDA = "Ej verkställda"
    FOR_SENT = "Verkställda för sent"
    AVSLUTADE_UTAN = "Avslutade utan verkställighet"
    AVBROTT = "Avbrott"
    BEVAKNING = "Bevakning"
    DUBBLA = "Dubbla beslut"
    IVO = "IVO-rapport"
    SAMMANSTALLNING = "Sammanställning"
    VANTANDE = "Väntande beslut"
    BILAGA1 = "Bilaga 1"
    BILAGA2 = "Bilaga 2"
    PER_PERSON = "Per person"
    DELTAGARLISTA = "Deltagarlista"
    KO = "Kö"
    ERBJUDANDEN = "Erbjudanden"
    SAMMANFATTNING = "Sammanfattning"
    MALTIDER = "Måltider"
    NYCKELTAL = "Nyckeltal"
    UTFORARE = "Utförare"
    TREND = "Trend"
    TACKNING = "Täckning"
    OVERLAPP = "Överlappande beställningar"
    UTSKRIVNING = "Utskrivning från sjukhus"
    KORTTID_DYGN = "Korttid dygn"
    MUNTLIGA = "Muntliga beslut"
    INAKTUELLA = "Inaktuella och utgående beslut"
    SAKNAR_SKAL = "Saknar skäl till dröjsmål"
    EJ_VERKST_BEST = "Ej verkställda beställningar"
    ARTIKLAR = "Artiklar"
    ATT_KONTROLLERA = "Att kontrollera"
    FORANDRINGAR = "Förändringar"
    RATTELSER = "Rättelser"
    OVER_BEVILJAD = "Utförd tid över beviljad"
    NARVARO = "Närvaro under avtalade dagar"
    LANG_FRANVARO = "Lång frånvaro"
    AVGIFTSUTRYMME = "Avgiftsutrymme"
    ANDRINGAR = "Ändringar"


class Kon:
    MAN = "Man"
    KVINNA = "Kvinna"


# Rows of the IVO/Kommunfullmäktige/statistics tables use these too.
SHEET_ABOUT = "Om rapporten"
SHEET_GUIDE = "Läs så här"
SHEET_REJECTED = "Avvisade rader"
SHEET_WARNINGS = "Varningar"
SUMMA = "Summa"  # the first cell of a table's total row (scripts skip it)
TOTALT = Col.TOTALT  # a table whose first column has "Totalt" rows carries its own totals
ATT_ATGARDA = "Att åtgärda"  # the sheet of only the rows that need action, before a mostly-OK sheet


class Kind:
    """What a report column holds: its number format and whether its total row sums it
    (docs/workbooks.md). Chosen here, per column name, never where a report is built."""

    KR = "kr"  # an amount: kronor with öre, summed
    PRICE = "pris"  # kronor per unit, a cap or a norm: not summed
    HOURS = "tim"  # hours with 2 decimals, summed
    COUNT = "antal"  # a whole number of things, summed
    NUMBER = "tal"  # a whole number that is not a quantity (a year, an age, days since, a code)
    DECIMAL = "decimal"  # 2 decimals, not summed
    DECIMAL1 = "decimal1"  # 1 decimal, not summed (a median, a delay)
    PERCENT = "procent"  # a share 0–1 shown as a percentage
    DATE = "datum"
    DATETIME = "tidpunkt"
    TEXT = "text"

    SUMMED = (KR, HOURS, COUNT)


# Report columns whose kind their name's unit does not say; rules modules add their own names
# with register_kinds() (the name is defined once, where it is computed).
KINDS: dict[str, str] = {
    Col.ANTAL: Kind.COUNT, Col.DAGAR: Kind.COUNT, Col.MAN: Kind.COUNT, Col.KVINNOR: Kind.COUNT,
    Col.TOTALT: Kind.COUNT, Col.ERSATTNINGSDAGAR: Kind.COUNT, Col.PLANERAD_DAGAR: Kind.COUNT,
    Col.OPLANERAD_DAGAR: Kind.COUNT, Col.DAGV_DAGAR: Kind.COUNT, Col.TRYGGHETSLARM: Kind.COUNT,
    Col.ANTAL_BRUKARE: Kind.COUNT, Col.RADER_I_MANADEN: Kind.COUNT, Col.PLATSER: Kind.COUNT,
    Col.KAPACITET: Kind.COUNT, Col.BELAGDA: Kind.COUNT, Col.LEDIGA_DAGAR: Kind.COUNT,
    Col.FRAMFORHALLNING: Kind.NUMBER, Col.VANTETID: Kind.NUMBER, Col.LANGSTA: Kind.NUMBER,
    Col.DAGAR_SEDAN_BESLUT: Kind.NUMBER, Col.AVBROTT_DAGAR: Kind.NUMBER, Col.DAGAR_TILL_GRANS: Kind.NUMBER,
    Col.FODELSEAR: Kind.NUMBER, Col.RAD: Kind.NUMBER,
    Col.MEDIAN: Kind.DECIMAL1, Col.FORSENING: Kind.DECIMAL1, Col.OMFATTNING: Kind.DECIMAL, Col.VARDE: Kind.DECIMAL,
    Col.TIMERSATTNING: Kind.PRICE, Col.A_PRIS: Kind.PRICE, Col.PRIS: Kind.PRICE, Col.AVGIFTSTAK: Kind.PRICE,
    Col.MINIMIBELOPP_KR: Kind.PRICE, Col.AVGIFTSUTRYMME_KR: Kind.PRICE,
}
# the unit at the end of a name says the kind
SUFFIX_KINDS = [("(kr)", Kind.KR), ("(tim)", Kind.HOURS), ("(tim/mån)", Kind.HOURS), ("(%)", Kind.PERCENT),
                ("(st)", Kind.COUNT)]


def register_kinds(kinds: dict[str, str]) -> None:
    KINDS.update(kinds)


def kind_of(name: str, dtype=None) -> str:
    """A column's kind: the registry, else its unit, else its type (whole numbers are NUMBER:
    not summed unless a name says they count something)."""
    if name in KINDS:
        return KINDS[name]
    for suffix, kind in SUFFIX_KINDS:
        if name.endswith(suffix):
            return kind
    if dtype is None:
        return Kind.TEXT
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(dtype):
        return Kind.DATE
    if pd.api.types.is_bool_dtype(dtype):
        return Kind.TEXT
    if pd.api.types.is_integer_dtype(dtype):
        return Kind.NUMBER
    if pd.api.types.is_float_dtype(dtype):
        return Kind.DECIMAL
    return Kind.TEXT


class Insats:
    HEMTJANST = "Hemtjänst"
    TRYGGHETSLARM = "Trygghetslarm"
    MATDISTRIBUTION = "Matdistribution"
    DAGVERKSAMHET = "Dagverksamhet"
    KORTTID_LSS = "Korttidsvistelse LSS"

    # services that leave no visits in the time registration
    WITHOUT_VISITS = (TRYGGHETSLARM, MATDISTRIBUTION)


class Utfall:
    BIFALL = "Bifall"
    DELVIS = "Delvis bifall"
    AVSLAG = "Avslag"
    GRANTED = (BIFALL, DELVIS)


class FranvaroTyp:
    PLANERAD = "Planerad"
    OPLANERAD = "Oplanerad"


class MalTyp:
    MALTID = "Måltid"
    MATLADA = "Matlåda"


class Behov:
    OFORANDRAT = "Oförändrat"
    OKAT = "Ökat"


class Svar:
    JA = "Tackat ja"
    NEJ = "Tackat nej"


class Civilstand:
    ENSAM = "Ensamstående"
    GIFT = "Gift"
    PARTNER = "Registrerad partner"
    SAMBO = "Sambo"
    MAKAR = (GIFT, PARTNER)  # each has half of the couple's income (32 kap. 5 §)
    PAR = (GIFT, PARTNER, SAMBO)  # cohabiting: the lower minimibelopp, housing cost shared


# ---- the input exports -------------------------------------------------------------------

TEXT, PNR, DATE, DATETIME, NUMBER, SIGNED, WHOLE, MONTH, CHOICE = (
    "text", "pnr", "date", "datetime", "number", "signed", "whole", "month", "choice",
)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = TEXT
    required: bool = False
    # maps normalised input values to canonical ones (kind CHOICE); default value when empty
    choices: dict[str, str] | None = None
    default: str | None = None
    unique: bool = False
    # a personnummer column that also accepts IVO's substitute form ÅÅÅÅMMDD-TNNN (rules §9)
    reserve_ok: bool = False


@dataclass(frozen=True)
class Export:
    name: str
    fields: tuple[Field, ...]
    # (column, other column): column's date must not be before the other's
    not_before: tuple[tuple[str, str], ...] = ()
    # (column, Insats value): column required on rows of that insats
    required_for_insats: tuple[tuple[str, str], ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    # text columns held as codes into their distinct texts (categorical): the big export's keys
    coded: tuple[str, ...] = ()


def _choices(*pairs: tuple[str, str]) -> dict[str, str]:
    return {k.casefold(): v for k, v in pairs}


UTFALL_CHOICES = _choices(
    (Utfall.BIFALL, Utfall.BIFALL), (Utfall.DELVIS, Utfall.DELVIS), (Utfall.AVSLAG, Utfall.AVSLAG),
    ("Delvis", Utfall.DELVIS), ("Beviljad", Utfall.BIFALL), ("Beviljat", Utfall.BIFALL),
)
FRANVARO_CHOICES = _choices(
    (FranvaroTyp.PLANERAD, FranvaroTyp.PLANERAD), (FranvaroTyp.OPLANERAD, FranvaroTyp.OPLANERAD),
    ("Planerad frånvaro", FranvaroTyp.PLANERAD), ("Oplanerad frånvaro", FranvaroTyp.OPLANERAD),
    ("Dag planerad frånvaro", FranvaroTyp.PLANERAD), ("Natt planerad frånvaro", FranvaroTyp.PLANERAD),
    ("Dag oplanerad", FranvaroTyp.OPLANERAD), ("Dag oplanerad frånvaro", FranvaroTyp.OPLANERAD),
    ("Natt oplanerad", FranvaroTyp.OPLANERAD), ("Natt oplanerad frånvaro", FranvaroTyp.OPLANERAD),
)
BEHOV_CHOICES = _choices(
    (Behov.OFORANDRAT, Behov.OFORANDRAT), (Behov.OKAT, Behov.OKAT), ("Oforandrat", Behov.OFORANDRAT),
    ("Okat", Behov.OKAT), ("Samma", Behov.OFORANDRAT), ("Utökat", Behov.OKAT), ("Ökat behov", Behov.OKAT),
    ("Oförändrat behov", Behov.OFORANDRAT),
)
SVAR_CHOICES = _choices(
    (Svar.JA, Svar.JA), (Svar.NEJ, Svar.NEJ), ("Ja", Svar.JA), ("Nej", Svar.NEJ), ("Tackar ja", Svar.JA),
    ("Tackar nej", Svar.NEJ), ("Accepterat", Svar.JA), ("Avböjt", Svar.NEJ),
)
CIVILSTAND_CHOICES = _choices(
    (Civilstand.ENSAM, Civilstand.ENSAM), (Civilstand.GIFT, Civilstand.GIFT),
    (Civilstand.PARTNER, Civilstand.PARTNER), (Civilstand.SAMBO, Civilstand.SAMBO),
    ("Ensamstaende", Civilstand.ENSAM), ("Ogift", Civilstand.ENSAM), ("Änka", Civilstand.ENSAM),
    ("Änkling", Civilstand.ENSAM), ("Skild", Civilstand.ENSAM), ("Ensam", Civilstand.ENSAM),
    ("Sammanboende", Civilstand.SAMBO), ("Make/maka", Civilstand.GIFT), ("Reg. partner", Civilstand.PARTNER),
)
PERSONKRETS_CHOICES = _choices(("1", "1"), ("2", "2"), ("3", "3"), ("1 § 1", "1"), ("1 § 2", "2"), ("1 § 3", "3"))
MAL_CHOICES = _choices(
    (MalTyp.MALTID, MalTyp.MALTID), (MalTyp.MATLADA, MalTyp.MATLADA),
    ("Maltid", MalTyp.MALTID), ("Matlada", MalTyp.MATLADA), ("Måltider", MalTyp.MALTID),
    ("Matlådor", MalTyp.MATLADA),
)

# Header aliases seen in exports (Lifecare, Procapita, Treserva); matched after normalisation.
COMMON_ALIASES = {
    "Personnr": Col.PNR, "Pnr": Col.PNR, "Person-nr": Col.PNR, "Personnummer/samordningsnummer": Col.PNR,
    "Brukare pnr": Col.PNR, "Beslutsid": Col.BESLUT_ID, "Beslutsnummer": Col.BESLUT_ID,
    "Beställningsid": Col.BESTALLNING_ID, "Beställningsnummer": Col.BESTALLNING_ID,
    "Order-ID": Col.BESTALLNING_ID, "Utförare/enhet": Col.UTFORARE, "Utförargrupp": Col.UTFORARE,
    "Insatstyp": Col.INSATS, "Från": Col.FROM, "Till": Col.TOM, "Fr o m": Col.FROM,
    "T o m": Col.TOM, "Tom": Col.TOM, "Startdatum beslut": Col.FROM, "Beviljad tid": Col.OMFATTNING,
    "Verkställt": Col.VERKSTALLIGHETSDATUM, "Verkställd": Col.VERKSTALLIGHETSDATUM,
    "Besöksdatum": Col.DATUM, "Tid (min)": Col.MINUTER, "Utförd tid (min)": Col.MINUTER,
    "Minuter utförd tid": Col.MINUTER, "Frånvarotyp": Col.TYP, "Antal portioner": Col.ANTAL,
    "Platser": Col.PLATSER, "Bekräftelse": Col.BEKRAFTAD, "Skickat": Col.SKICKAD,
    "Utfall": Col.UTFALL, "Beslutsutfall bifall/avslag": Col.UTFALL,
    "Avbrott från": Col.AVBROTT_FROM, "Avbrott till": Col.AVBROTT_TOM, "Avbrott fom": Col.AVBROTT_FROM,
    "Avbrott tom": Col.AVBROTT_TOM, "Avbrott start": Col.AVBROTT_FROM, "Avbrott slut": Col.AVBROTT_TOM,
    "Utförd tid (minuter)": Col.MINUTER, "Tid (minuter)": Col.MINUTER, "Utförd tid minuter": Col.MINUTER,
    "Minuter utförda": Col.MINUTER, "Beviljad tid (tim/mån)": Col.OMFATTNING, "Beviljade timmar": Col.OMFATTNING,
    "Beslutsdag": Col.BESLUTSDATUM, "Utförardatum": Col.DATUM, "Besöksdag": Col.DATUM,
    "Verkställighetsdag": Col.VERKSTALLIGHETSDATUM, "Skickad datum": Col.SKICKAD, "Bekräftad datum": Col.BEKRAFTAD,
    "Kontakttid": Col.KONTAKT, "Kontaktad": Col.KONTAKT, "Erbjudandedatum": Col.DATUM, "Erbjudet": Col.VAD,
    "Erbjudande": Col.VAD, "Giltig från": Col.GILTIG_FROM, "Gäller från": Col.GILTIG_FROM,
    "Nettoinkomst": Col.INKOMST, "Make/maka": Col.PARTNER, "Sambo": Col.PARTNER, "Partner": Col.PARTNER,
    "Make/maka/sambo personnummer": Col.PARTNER, "Hyra": Col.BOENDEKOSTNAD, "Bostadsbidrag": Col.BOSTADSTILLAGG,
    "Boendetillägg": Col.BOSTADSTILLAGG, "Antal platser": Col.PLATSER,
}

EXPORTS: dict[str, Export] = {
    "beslut": Export(
        "beslut",
        (
            Field(Col.BESLUT_ID, TEXT, True, unique=True),
            Field(Col.PNR, PNR, True, reserve_ok=True),
            Field(Col.INSATS, TEXT, True),
            Field(Col.LAGRUM),
            Field(Col.UTFALL, CHOICE, choices=UTFALL_CHOICES, default=Utfall.BIFALL),
            Field(Col.BESLUTSDATUM, DATE, True),
            Field(Col.FROM, DATE, True),
            Field(Col.TOM, DATE),
            Field(Col.OMFATTNING, NUMBER),
            Field(Col.ONSKAD_UTFORARE),
            Field(Col.HANDLAGGARE),
            Field(Col.AVSLUTSDATUM, DATE),
            Field(Col.AVSLUTSORSAK),
            Field(Col.SKAL_DROJSMAL),
            Field(Col.MUNTLIGT_BESLUT, DATE),
            Field(Col.PERSONKRETS, CHOICE, choices=PERSONKRETS_CHOICES),
        ),
        not_before=((Col.TOM, Col.FROM),),
    ),
    "bestallningar": Export(
        "bestallningar",
        (
            Field(Col.BESTALLNING_ID, TEXT, True, unique=True),
            Field(Col.BESLUT_ID, TEXT, True),
            Field(Col.PNR, PNR, True, reserve_ok=True),
            Field(Col.INSATS, TEXT, True),
            Field(Col.UTFORARE, TEXT, True),
            Field(Col.OMFATTNING, NUMBER),
            Field(Col.SKICKAD, DATETIME, True),
            Field(Col.BEKRAFTAD, DATETIME),
            Field(Col.STARTDATUM, DATE, True),
            Field(Col.SLUTDATUM, DATE),
            Field(Col.VERKSTALLIGHETSDATUM, DATE),
            Field(Col.AVSLUT_MEDDELAT, DATE),
            Field(Col.BEHOV_UPPHOR, DATE),
            Field(Col.AVSLUTSORSAK),
            Field(Col.AVBROTT_FROM, DATE),
            Field(Col.AVBROTT_TOM, DATE),
            Field(Col.MUNTLIGT_BESLUT, DATE),
        ),
        not_before=((Col.SLUTDATUM, Col.STARTDATUM), (Col.AVBROTT_TOM, Col.AVBROTT_FROM)),
        required_for_insats=((Col.OMFATTNING, Insats.HEMTJANST),),
    ),
    "besok": Export(
        "besok",
        (
            Field(Col.PNR, PNR, True),
            Field(Col.UTFORARE, TEXT, True),
            Field(Col.DATUM, DATE, True),
            Field(Col.MINUTER, WHOLE),
            Field(Col.INSATS, TEXT, default=Insats.HEMTJANST),
        ),
        required_for_insats=((Col.MINUTER, Insats.HEMTJANST),),
        coded=(Col.PNR, Col.UTFORARE, Col.INSATS),
    ),
    "franvaro": Export(
        "franvaro",
        (
            Field(Col.PNR, PNR, True),
            Field(Col.UTFORARE, TEXT, True),
            Field(Col.FROM, DATE, True),
            Field(Col.TOM, DATE, True),
            Field(Col.TYP, CHOICE, True, choices=FRANVARO_CHOICES),
            Field(Col.ORSAK),
        ),
        not_before=((Col.TOM, Col.FROM),),
    ),
    "maltider": Export(
        "maltider",
        (
            Field(Col.PNR, PNR, True),
            Field(Col.UTFORARE, TEXT, True),
            Field(Col.MANAD, MONTH, True),
            Field(Col.TYP, CHOICE, True, choices=MAL_CHOICES),
            Field(Col.ANTAL, WHOLE, True),
        ),
    ),
    "avgiftsutrymme": Export(
        "avgiftsutrymme",
        (
            Field(Col.PNR, PNR, True),
            # negative is meaningful here (no fee), so plain number, not whole
            Field(Col.AVGIFTSUTRYMME, SIGNED, True),
        ),
    ),
    "enheter": Export(
        "enheter",
        (
            Field(Col.ENHET, TEXT, True, unique=True),
            Field(Col.PLATSER, WHOLE, True),
        ),
    ),
    "utskrivningar": Export(
        "utskrivningar",
        (
            Field(Col.PNR, PNR, True),
            Field(Col.UTFORARE, TEXT, True),
            Field(Col.KONTAKT, DATETIME, True),
            Field(Col.BEHOV, CHOICE, True, choices=BEHOV_CHOICES),
        ),
    ),
    "erbjudanden": Export(
        "erbjudanden",
        (
            Field(Col.BESLUT_ID, TEXT, True),
            Field(Col.DATUM, DATE, True),
            Field(Col.VAD, TEXT),
            Field(Col.SVAR, CHOICE, choices=SVAR_CHOICES),
        ),
    ),
    "inkomster": Export(
        "inkomster",
        (
            Field(Col.PNR, PNR, True),
            Field(Col.CIVILSTAND, CHOICE, True, choices=CIVILSTAND_CHOICES),
            Field(Col.PARTNER, PNR),
            Field(Col.INKOMST, SIGNED, True),
            Field(Col.BOSTADSTILLAGG, NUMBER),
            Field(Col.BOENDEKOSTNAD, NUMBER),
            Field(Col.HOJNING, NUMBER),
            Field(Col.SANKNING, NUMBER),
            Field(Col.ORSAK),
            Field(Col.GILTIG_FROM, DATE, True),
            Field(Col.EGEN_BOENDEKOSTNAD, NUMBER),
        ),
    ),
}
