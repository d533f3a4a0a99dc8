"""The command line in Swedish: typer's own texts (the help option, "Usage", the panel titles, the
defaults) and the parser's errors, translated in one place. A usage error is one line on stderr
that names the command's help, like every other error of `vos`.
"""

from __future__ import annotations

import re
import sys

import typer.core
import typer.rich_utils as ru

HELP_TEXT = "Visa hjälpen och avsluta."
USAGE = "Användning: "

# typer's module-level texts, read when help or an error is shown
ru.OPTIONS_PANEL_TITLE = "Flaggor"
ru.COMMANDS_PANEL_TITLE = "Kommandon"
ru.ARGUMENTS_PANEL_TITLE = "Argument"
ru.ERRORS_PANEL_TITLE = "Fel"
ru.DEFAULT_STRING = "[standard: {}]"
ru.REQUIRED_LONG_STRING = "[krävs]"
ru.ENVVAR_STRING = "[miljövariabel: {}]"
ru.ABORTED_TEXT = "Avbrutet."
ru.RICH_HELP = "Se [blue]'{command_path} {help_option}'[/] för hjälp."

# the parser's messages (English in click and typer) → Swedish
MESSAGES = [
    (r"No such option: (\S+)(?:\s+Did you mean (\S+)\?)?", lambda m: f"okänd flagga {m[1]}"
     + (f" — menade du {m[2]}?" if m[2] else "")),
    (r"No such command '?([^'.]+)'?\.?(?:\s+Did you mean '?([^'?]+)'?\?)?", lambda m: f"okänt kommando {m[1]}"
     + (f" — menade du {m[2]}?" if m[2] else "")),
    (r"Missing option '([^']+)'.*", lambda m: f"flaggan {m[1]} saknas"),
    (r"Missing argument '([^']+)'.*", lambda m: f"argumentet {m[1]} saknas"),
    (r"Option '([^']+)' requires an argument\.?", lambda m: f"flaggan {m[1]} behöver ett värde"),
    (r"Got unexpected extra arguments? \((.*)\)", lambda m: f"oväntat argument: {m[1]}"),
    (r"Invalid value for '([^']+)': '?([^']*)'? is not a valid integer\.?", lambda m: f"{m[1]}: '{m[2]}' är inte "
     "ett heltal"),
    (r"Invalid value for '([^']+)': (.*) is not in the range (.*)\.", lambda m: f"{m[1]}: {m[2]} ligger inte inom "
     f"{m[3]}"),
    (r"Invalid value for '([^']+)': Input should be a valid integer.*", lambda m: f"{m[1]} ska vara ett heltal"),
    (r"Invalid value for '([^']+)': Input should be less than or equal to (\S+)", lambda m: f"{m[1]} får vara "
     f"högst {m[2]}"),
    (r"Invalid value for '([^']+)': Input should be greater than or equal to (\S+)", lambda m: f"{m[1]} ska vara "
     f"minst {m[2]}"),
    (r"Invalid value for '([^']+)': (.*)", lambda m: f"ogiltigt värde för {m[1]}: {m[2]}"),
]


def translate(message: str) -> str:
    text = " ".join(message.split())
    for pattern, swedish in MESSAGES:
        m = re.fullmatch(pattern, text)
        if m:
            return swedish(m)
    return text


def usage_error(exc) -> None:
    """A parser error as one line: `vos: fel: …, se 'vos fees --help'` (exit code unchanged, 2)."""
    if exc.__class__.__name__ == "NoArgsIsHelpError":
        return
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "vos"
    message = translate(exc.format_message())
    hint = "" if "--help" in message else f" — se '{where} --help'"
    sys.stderr.write(f"vos: fel: {message}{hint}\n")


ru.rich_format_error = usage_error


class _Swedish:
    """The help option and the usage line in Swedish (mixed into typer's command and group)."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE)


class Command(_Swedish, typer.core.TyperCommand):
    """A command that speaks Swedish."""

    def __init__(self, *args, **kwargs):
        kwargs["options_metavar"] = "[FLAGGOR]"
        super().__init__(*args, **kwargs)


class Group(_Swedish, typer.core.TyperGroup):
    """The `vos` group: Swedish; commands listed in the order they are defined."""

    def __init__(self, *args, **kwargs):
        kwargs["options_metavar"] = "[FLAGGOR]"
        kwargs["subcommand_metavar"] = "KOMMANDO [ARGUMENT]..."
        super().__init__(*args, **kwargs)

    def list_commands(self, ctx):
        return list(self.commands)
