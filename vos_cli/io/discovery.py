"""Which files in the input folder are which export.

Exports are found by normalised base name: case and å/ä/ö folded (`Besök.csv` is `besok`), a
trailing period or copy suffix allowed (`avgiftsutrymme_2026-03.csv`, `franvaro (2).csv`,
`besok - Kopia.xlsx`), suffixes `.csv`, `.txt`, `.tsv`, `.xlsx`, `.xlsm`, `.xls`. Several files of
one export are all returned (the reader concatenates them or refuses an overlap). A data file
that matches no export is returned too, so the command can name it in a warning.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from vos_cli.io.contract import EXPORTS

DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
_FOLD = str.maketrans("åäöéèüÅÄÖÉÈÜ", "aaoeeuaaoeeu")


def normalise_name(stem: str) -> str:
    return stem.translate(_FOLD).casefold().strip()


def export_of(path: Path) -> str | None:
    """The export a file name stands for, or None."""
    if path.suffix.lower() not in DATA_SUFFIXES:
        return None
    stem = normalise_name(path.stem)
    for name in EXPORTS:
        # the name alone, or followed by a separator and anything (a period, a date, "(2)", "- Kopia")
        if stem == name or re.match(rf"{re.escape(name)}[\s_.\-(]", stem):
            return name
    return None


def ignorable(path: Path) -> bool:
    """Hidden files and Excel's owner files (`~$besok.xlsx`, present while Excel has it open)."""
    return path.name.startswith((".", "~$")) or not path.is_file()


@dataclass
class Discovery:
    found: dict[str, list[Path]] = field(default_factory=dict)
    # data files that look like exports (right suffix) but match no export name
    unknown: list[Path] = field(default_factory=list)

    def files(self, name: str) -> list[Path]:
        return self.found.get(name, [])


def discover(folder: Path) -> Discovery:
    d = Discovery()
    for path in sorted(folder.iterdir(), key=lambda p: p.name.casefold()):
        if ignorable(path) or path.suffix.lower() not in DATA_SUFFIXES:
            continue
        name = export_of(path)
        if name is None:
            d.unknown.append(path)
        else:
            d.found.setdefault(name, []).append(path)
    return d


def closest_export(path: Path) -> str | None:
    """The export name a stray file most resembles (for the warning's advice)."""
    match = difflib.get_close_matches(normalise_name(path.stem)[:20], list(EXPORTS), n=1, cutoff=0.6)
    return match[0] if match else None
