"""Typed errors. The CLI maps them to one line on stderr and an exit code (cli.py, one place)."""

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


class VosError(Exception):
    """A problem the user can fix; the message says what is wrong and how to fix it."""

    exit_code = EXIT_INPUT


class InputFileError(VosError):
    """An export that cannot be read, is missing, or lacks a required column."""


class UsageError(VosError):
    """An option with a bad value."""


class ConfigError(VosError):
    """The --config TOML file is unreadable or has a bad value."""


class OutputError(VosError):
    """A report could not be written (permissions, full disk)."""


class LockedError(VosError):
    """Another `vos run` holds the lock on the output folder."""


class LedgerError(VosError):
    """The ledger cannot be used: newer schema, locked, broken or unreachable database."""
