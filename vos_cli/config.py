"""Configuration: the municipality's tariffs and rates per year, header aliases, rule parameters (TOML).

The municipality's own amounts (what a client pays per hour, what a provider is paid) have no
defaults: a command that computes kronor without them stops (exit 2) and says which table is
missing — never an invoice at example tariffs nobody set. National figures (prisbasbelopp, the
maxtaxa and the minimibelopp factors) are built in per year from the law and overridable.
`vos init` writes a commented template with every key (docs/configuration.md).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vos_cli.errors import ConfigError

ENV_CONFIG = "VOS_CONFIG"

# Prisbasbelopp per year (socialförsäkringsbalken 2 kap. 6–7 §§, set by the government each year).
PRISBASBELOPP = {2022: 48300, 2023: 52500, 2024: 57300, 2025: 58800, 2026: 59200}
# Maxtaxa per month = 0.5392 × prisbasbelopp / 12 (SoL 2025:400 32 kap. 6 §; before 2025-07-01
# SoL 2001:453 8 kap. 5 §), rounded to whole kronor as most municipalities publish it.
MAXTAXA_FACTOR = 0.5392
# Minimibelopp factors of the prisbasbelopp (32 kap. 8 §), with the day they apply from:
# (from, single, each of cohabiting spouses or sambor). Raised on 2022-07-01 (rules.md §15).
# Note: SFS 2022:935 set 1.4541 / 1.1942 from 2022-08-01; months of 2022–2023 should be checked
# against the SFS in force before they are computed (docs/fees.md) — override with [tariffs.YYYY].
MINIMIBELOPP_FACTORS = [(dt.date(2000, 1, 1), 1.3546, 1.1446), (dt.date(2022, 7, 1), 1.4789, 1.2066)]

# The municipality's keys: no defaults (they must be set), with their units for messages.
TARIFF_KEYS = {"timtaxa": "kr per utförd hemtjänsttimme", "trygghetslarm": "kr per månad",
               "maltid": "kr per måltid", "matlada": "kr per matlåda",
               "dagverksamhet_per_dag": "kr per dag"}
RATE_KEYS = {"timersattning": "kr per ersatt timme", "matlada": "kr per matlåda"}
NATIONAL_KEYS = ("prisbasbelopp", "maxtaxa", "minimibelopp_ensamstaende", "minimibelopp_sammanlevande")

DEFAULT_RULES: dict[str, Any] = {
    # Avslutsorsak values for which the five-day rule is not applied
    "end_rule_exempt_reasons": [],
    "end_rule_days": 5,
    # early warning window before the three-month line, days
    "bevakning_dagar": 30,
    # a written order after an oral decision must be sent within this many business days
    "muntligt_beslut_vardagar": 3,
    # visits ending more than this many days before the month's end: a warning (exit 1)
    "tackning_dagar": 3,
    # billed home-care hours: performed but at most granted (seed 003), performed, or granted
    "avgift_timmar": "utford_hogst_beviljad",
    # the 24-hour acknowledgement is the home-care routine's (seed 003)
    "bekraftelse_insatser": ["Hemtjänst", "Trygghetslarm", "Matdistribution"],
    # decisions ending within this many days are listed for follow-up (seed 000)
    "uppfoljning_dagar": 60,
    # day activity: clients below their agreed days in this many weeks of the month are listed
    "narvaro_veckor": 2,
    # day activity: planned absence of at least this many days is listed
    "lang_franvaro_dagar": 14,
    # korttidsvistelse LSS: orders with no dygn used for this many whole months are listed
    "korttid_oanvand_manader": 2,
}
AVGIFT_TIMMAR = ("utford_hogst_beviljad", "utford", "beviljad")
DEFAULT_STATISTICS: dict[str, Any] = {
    "encoding": "utf-8",
    # 4 digits (SCB's kommunkod); without one no SOL files are written
    "kommunkod": "",
    # leave the Bilaga 1/2 sheets out of the workbook (the SOL files hold them): "auto" = when the
    # visit export has more than 200 000 rows
    "bilagor_i_arbetsbok": "auto",
}
DEFAULT_REPORTS: dict[str, Any] = {
    # public reports (Kommunfullmäktige): counts of 1 … minsta_antal − 1 persons are shown as "<n"
    "minsta_antal": 3,
    # workbooks written by this many processes at once: "auto" = up to 4 (the cores) for a month of
    # more than 200 000 visit rows, one for a smaller month (starting processes costs more there)
    "skrivprocesser": "auto",
}
DEFAULT_FEES: dict[str, Any] = {
    # trygghetslarm: per started calendar month ("manad") or per day it runs ("dag")
    "larm_debitering": "manad",
    # performed hours rounded (2 decimals) per month ("manad") or per visit ("besok")
    "timmar_avrundning": "manad",
    # the amount to invoice rounded to öre ("ore") or whole kronor ("krona", with a rounding line)
    "avrundning": "ore",
    # a fee that changed more than this since last month is listed in Att kontrollera
    "kontroll_andring_procent": 50,
    # a municipality's own raise of the minimibelopp for clients under 65 (32 kap. 8 §), percent
    "minimibelopp_under_65_procent": 0,
}
DEFAULT_INVOICE: dict[str, Any] = {
    "columns": ["Personnummer", "Period", "Artikel", "Antal", "À-pris", "Belopp"],
    "headers": {},  # column → the finance system's header, e.g. {Personnummer = "Kundnr"}
    "article_codes": {},  # article → the finance system's code, e.g. {Hemtjänst = "1010"}
    "separator": ";",
    "encoding": "utf-8",
    "decimal": ",",
    "period_format": "%Y-%m",
    "header": True,
}
DEFAULT_LEDGER: dict[str, Any] = {
    "url": "",  # empty: the SQLite file OUTPUT/vos.sqlite
    "rattelse_manader": 3,
    "bevara_ar": 10,  # runs of months older than this are deleted from the ledger
}
SECTIONS = ("tariffs", "rates", "rules", "statistics", "aliases", "ledger", "invoice", "reports", "fees")


@dataclass
class Config:
    tariffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    rates: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_RULES))
    statistics: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_STATISTICS))
    reports: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_REPORTS))
    fees: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_FEES))
    invoice: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_INVOICE))
    ledger: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_LEDGER))
    # alias header -> contract header, for all exports ("*") or one export by base name
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "ingen konfigurationsfil"

    # ---- the municipality's tables ----------------------------------------------------

    def require(self, year: int, section: str) -> None:
        """Stop (exit 2) when the municipality's [tariffs.YYYY] or [rates.YYYY] is not set."""
        keys = TARIFF_KEYS if section == "tariffs" else RATE_KEYS
        table = _year_table(getattr(self, section), year)
        if table is None:
            what = "kommunens taxor för brukarna" if section == "tariffs" else "ersättningen till utförarna"
            where = f"i {self.source}" if self.source != "ingen konfigurationsfil" else \
                "(ingen konfigurationsfil angiven: --config FIL eller miljövariabeln VOS_CONFIG)"
            raise ConfigError(
                f"konfigurationen saknar [{section}.{year}] ({what}) {where} — `vos init` skriver en mall; "
                f"fyll i {', '.join(keys)}")
        missing = [k for k in keys if k not in table]
        if missing:
            raise ConfigError(
                f"[{section}.{table['_år']}] i {self.source} saknar {', '.join(f'{k} ({keys[k]})' for k in missing)} "
                f"— lägg till beloppen (`vos init` visar alla nycklar)")

    def tariff(self, year: int, key: str) -> float:
        if key in NATIONAL_KEYS:
            return float(self.national(year)[key])
        self.require(year, "tariffs")
        return float(_year_table(self.tariffs, year)[key])

    def rate(self, year: int, key: str, provider: str | None = None) -> float:
        self.require(year, "rates")
        table = _year_table(self.rates, year)
        per_provider = table.get("utforare", {}).get(provider or "", {})
        if key in per_provider:
            return float(per_provider[key])
        return float(table[key])

    def provider_rates(self, year: int, key: str) -> dict[str, float]:
        self.require(year, "rates")
        table = _year_table(self.rates, year)
        return {p: float(v[key]) for p, v in table.get("utforare", {}).items() if key in v}

    # ---- national figures ---------------------------------------------------------------

    def national(self, year: int, day: dt.date | None = None) -> dict[str, float]:
        """Prisbasbelopp, maxtaxa and minimibelopp for a year (the minimibelopp factors of `day`,
        default 1 January): built in, or [tariffs.YYYY] of that very year (national figures never
        carry over from an earlier year)."""
        own = self.tariffs.get(str(year), {})
        pbb = own.get("prisbasbelopp", PRISBASBELOPP.get(year))
        if pbb is None:
            raise ConfigError(
                f"prisbasbeloppet för {year} är inte inbyggt i vos {_version()} — ange det i [tariffs.{year}] "
                f"prisbasbelopp (och uppdatera vos)")
        single, couple = minimibelopp_factors(day or dt.date(year, 1, 1))
        return {
            "prisbasbelopp": float(pbb),
            "maxtaxa": float(own.get("maxtaxa", round(MAXTAXA_FACTOR * pbb / 12))),
            # "minst en tolftedel av …": rounded up to whole kronor
            "minimibelopp_ensamstaende": float(own.get("minimibelopp_ensamstaende", math.ceil(single * pbb / 12 - 1e-9))),
            "minimibelopp_sammanlevande": float(own.get("minimibelopp_sammanlevande",
                                                        math.ceil(couple * pbb / 12 - 1e-9))),
        }

    def summary(self) -> dict[str, Any]:
        """The effective configuration, for `Om rapporten`, the manifest and the ledger."""
        return {"källa": self.source, "tariffs": self.tariffs, "rates": self.rates, "rules": self.rules,
                "statistics": self.statistics, "reports": self.reports, "fees": self.fees, "invoice": self.invoice,
                "ledger": {k: v for k, v in self.ledger.items() if k != "url"}, "aliases": self.aliases}

    @classmethod
    def from_summary(cls, data: dict[str, Any]) -> Config:
        """Rebuild the configuration a recorded run used (to recompute that month with its own parameters)."""
        cfg = cls()
        for name in SECTIONS:
            if name in data and isinstance(data[name], dict):
                if name in ("tariffs", "rates", "aliases"):
                    setattr(cfg, name, copy.deepcopy(data[name]))
                else:
                    _merge(getattr(cfg, name), copy.deepcopy(data[name]))
        cfg.source = str(data.get("källa", cfg.source))
        return cfg


def minimibelopp_factors(day: dt.date) -> tuple[float, float]:
    return [(s, c) for start, s, c in MINIMIBELOPP_FACTORS if start <= day][-1]


def _version() -> str:
    from vos_cli import __version__

    return __version__


def _year_table(tables: dict[str, dict[str, Any]], year: int) -> dict[str, Any] | None:
    """The table of `year`, or of the latest earlier year; None when there is none."""
    years = sorted((int(y) for y in tables if str(y).isdigit() and int(y) <= year), reverse=True)
    if not years:
        return None
    return {**tables[str(years[0])], "_år": years[0]}


def _merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def config_path(explicit: Path | None) -> Path | None:
    """--config FILE, else the environment variable VOS_CONFIG, else none."""
    if explicit is not None:
        return explicit
    env = os.environ.get(ENV_CONFIG, "").strip()
    return Path(env) if env else None


def load(path: Path | None) -> Config:
    cfg = Config()
    path = config_path(path)
    if path is None:
        return cfg
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{Path(path).resolve()}: konfigurationsfilen finns inte — ange en befintlig fil med "
                          "--config (eller VOS_CONFIG); `vos init` skriver en mall") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{Path(path).resolve()}: inte giltig TOML ({exc}) — rätta filen") from None
    except OSError as exc:
        from vos_cli.platform import os_reason

        raise ConfigError(f"{Path(path).resolve()}: kan inte läsas ({os_reason(exc)}) — kontrollera filen") from None
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ConfigError(
            f"{path}: okänd sektion [{sorted(unknown)[0]}] — tillåtna är {', '.join(SECTIONS)}"
        )
    for name in SECTIONS:
        if name in data and name != "aliases":
            if not isinstance(data[name], dict):
                raise ConfigError(f"{path}: [{name}] måste vara en tabell")
            if name in ("tariffs", "rates"):
                bad = [y for y in data[name] if not str(y).isdigit()]
                if bad:
                    raise ConfigError(f"{path}: [{name}.{bad[0]}] — ange året, t.ex. [{name}.2026]")
                setattr(cfg, name, data[name])
            else:
                _merge(getattr(cfg, name), data[name])
    if cfg.rules.get("avgift_timmar") not in AVGIFT_TIMMAR:
        raise ConfigError(f"{path}: [rules] avgift_timmar = {cfg.rules.get('avgift_timmar')!r} — tillåtna är "
                          + ", ".join(f'"{v}"' for v in AVGIFT_TIMMAR))
    for key, allowed in (("larm_debitering", ("manad", "dag")), ("timmar_avrundning", ("manad", "besok")),
                         ("avrundning", ("ore", "krona"))):
        if cfg.fees.get(key) not in allowed:
            raise ConfigError(f"{path}: [fees] {key} = {cfg.fees.get(key)!r} — tillåtna är "
                              + ", ".join(f'"{v}"' for v in allowed))
    writers = cfg.reports.get("skrivprocesser")
    if writers != "auto" and not (isinstance(writers, int) and not isinstance(writers, bool) and 1 <= writers <= 64):
        raise ConfigError(f"{path}: [reports] skrivprocesser = {writers!r} — ange \"auto\" eller ett antal 1–64")
    aliases = data.get("aliases", {})
    flat = {k: v for k, v in aliases.items() if isinstance(v, str)}
    cfg.aliases = {"*": flat}
    cfg.aliases.update({k: v for k, v in aliases.items() if isinstance(v, dict)})
    cfg.source = str(path)
    return cfg
