"""Configuration: tariffs and rates per year, header aliases, rule parameters (TOML).

Every amount is a documented default (docs/configuration.md) that a municipality overrides in
its own TOML file; no amount is a constant in the rules.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vos_cli.errors import ConfigError

# Client tariffs (avgifter). maxtaxa = 0.5392 × prisbasbelopp / 12, rounded to whole kronor.
DEFAULT_TARIFFS: dict[str, dict[str, float]] = {
    "2024": {"prisbasbelopp": 57300, "maxtaxa": 2575, "timtaxa": 410, "trygghetslarm": 290,
             "maltid": 60, "matlada": 72, "dagverksamhet_per_dag": 45},
    "2025": {"prisbasbelopp": 58800, "maxtaxa": 2642, "timtaxa": 420, "trygghetslarm": 300,
             "maltid": 62, "matlada": 75, "dagverksamhet_per_dag": 48},
    "2026": {"prisbasbelopp": 59200, "maxtaxa": 2660, "timtaxa": 435, "trygghetslarm": 310,
             "maltid": 65, "matlada": 78, "dagverksamhet_per_dag": 50},
}
# Provider pay (ersättning till utförare), per year; optionally per provider in [rates.YYYY.utforare."Name"].
DEFAULT_RATES: dict[str, dict[str, Any]] = {
    "2024": {"timersattning": 460, "matlada": 68},
    "2025": {"timersattning": 475, "matlada": 69},
    "2026": {"timersattning": 490, "matlada": 70},
}
DEFAULT_RULES: dict[str, Any] = {
    # Avslutsorsak values for which the five-day rule is not applied
    "end_rule_exempt_reasons": [],
    "end_rule_days": 5,
    # early warning window before the three-month line, days
    "bevakning_dagar": 30,
    # a written order after an oral decision must be sent within this many business days
    "muntligt_beslut_vardagar": 3,
    # the lagrum quoted in IVO reports for the duty to report
    "rapportskyldighet_sol": "SoL (2025:400) 26 kap.",
    "rapportskyldighet_lss": "LSS 28 f–h §§",
}
DEFAULT_STATISTICS: dict[str, Any] = {"encoding": "utf-8", "kommunkod": "0000"}


@dataclass
class Config:
    tariffs: dict[str, dict[str, float]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_TARIFFS))
    rates: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_RATES))
    rules: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_RULES))
    statistics: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_STATISTICS))
    # alias header -> contract header, for all exports ("*") or one export by base name
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "standardvärden"

    def tariff(self, year: int, key: str) -> float:
        return float(_year_table(self.tariffs, year, "tariffs")[key])

    def rate(self, year: int, key: str, provider: str | None = None) -> float:
        table = _year_table(self.rates, year, "rates")
        per_provider = table.get("utforare", {}).get(provider or "", {})
        if key in per_provider:
            return float(per_provider[key])
        return float(table[key])

    def provider_rates(self, year: int, key: str) -> dict[str, float]:
        table = _year_table(self.rates, year, "rates")
        return {p: float(v[key]) for p, v in table.get("utforare", {}).items() if key in v}

    def summary(self) -> dict[str, Any]:
        """The effective configuration, for `Om rapporten` and the manifest."""
        return {"källa": self.source, "tariffs": self.tariffs, "rates": self.rates,
                "rules": self.rules, "statistics": self.statistics, "aliases": self.aliases}


def _year_table(tables: dict[str, dict[str, Any]], year: int, name: str) -> dict[str, Any]:
    if str(year) in tables:
        return tables[str(year)]
    earlier = sorted((int(y) for y in tables if y.isdigit() and int(y) <= year), reverse=True)
    if not earlier:
        raise ConfigError(
            f"konfigurationen saknar [{name}.{year}] — lägg till årets belopp i --config-filen"
        )
    return tables[str(earlier[0])]


def _merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def load(path: Path | None) -> Config:
    cfg = Config()
    if path is None:
        return cfg
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: konfigurationsfilen finns inte — ange en befintlig fil med --config")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: inte giltig TOML ({exc}) — rätta filen") from None
    known = {"tariffs", "rates", "rules", "statistics", "aliases"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(
            f"{path}: okänd sektion [{sorted(unknown)[0]}] — tillåtna är {', '.join(sorted(known))}"
        )
    for name in ("tariffs", "rates", "rules", "statistics"):
        if name in data:
            if not isinstance(data[name], dict):
                raise ConfigError(f"{path}: [{name}] måste vara en tabell")
            _merge(getattr(cfg, name), data[name])
    aliases = data.get("aliases", {})
    flat = {k: v for k, v in aliases.items() if isinstance(v, str)}
    cfg.aliases = {"*": flat}
    cfg.aliases.update({k: v for k, v in aliases.items() if isinstance(v, dict)})
    cfg.source = str(path)
    return cfg
