"""The ``kpi-xl`` command line.

Exit codes: 0 done; 1 checks found errors (``check``); 2 unusable input or options (nothing
written); 70 an internal error (a bug: please report it); 130 interrupted (Ctrl-C; the last
message lists what was written); 141 the reader of the output went away (``| head``), ended
quietly. No traceback reaches the user unless ``KPI_XL_DEBUG=1`` is set.

One language per run: ``--lang`` (before or after the command), else the system's language
(:func:`system_lang`), for --help, messages and the steps printed; a plan's own language decides
the messages about that plan when ``--lang`` is not given. Output never fails on a character the
console's code page lacks (cp932 on Japanese Windows).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import functools
import os
import re
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from kpi_xl import __version__
from kpi_xl.core.errors import KpiXlError, UsageError
from kpi_xl.core.i18n import LANGS, t

__all__ = ["main", "system_lang"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
#: A reader that went away (``kpi-xl check --json | head``): what a shell reports for SIGPIPE.
EXIT_BROKEN_PIPE = 141


# One language per run ------------------------------------------------------------------------------

def system_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language of the user's system: ``ja`` for a Japanese locale, else ``en``.

    ``KPI_XL_LANG`` wins; then the POSIX variables in their order of precedence (``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``); on Windows, where those are usually unset, the display language.
    Every command uses this as its default, so a run speaks one language from --help to the
    last message.
    """
    environ = os.environ if environ is None else environ
    pinned = environ.get("KPI_XL_LANG", "").strip().lower()
    if pinned in LANGS:
        return pinned
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    if sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            import ctypes

            lang_id = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
            return "ja" if lang_id & 0x3FF == 0x11 else "en"
        except Exception:
            return "en"
    return "en"


def _lang_in(argv: Sequence[str]) -> str | None:
    """The value of ``--lang`` in a command line, read before argparse runs (for --help)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in LANGS:
            return argv[i + 1]
        if arg.startswith("--lang=") and arg[7:] in LANGS:
            return arg[7:]
    return None


# Output that survives any encoding and a reader that goes away ---------------------------------

#: Stand-ins for characters a legacy code page lacks; the first one the encoding has is used.
#: cp932 (Japanese Windows) has ― but not —, ～ but not 〜, － but not −.
_STAND_INS = {
    "\u2014": ("\u2015", "-"), "\u2013": ("-",), "\u2012": ("-",), "\u2212": ("\uff0d", "-"),
    "\u301c": ("\uff5e", "~"), "\u2016": ("\u2225", "|"), "\u00a0": (" ",), "\u2026": ("...",),
    "\u2192": ("->",), "\u2190": ("<-",), "\u00d7": ("x",), "\u2264": ("<=",), "\u2265": (">=",),
    "\u2018": ("'",), "\u2019": ("'",), "\u201c": ('"',), "\u201d": ('"',), "\u2588": ("#",),
    "\u00b7": (".",),
}
_ERRORS = "kpi_xl_stand_in"


def _stand_in(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = []
    for char in err.object[err.start:err.end]:
        for candidate in (*_STAND_INS.get(char, ()), "?"):
            try:
                candidate.encode(err.encoding)
            except (UnicodeEncodeError, LookupError):
                continue
            out.append(candidate)
            break
    return "".join(out), err.end


codecs.register_error(_ERRORS, _stand_in)


def _safe_streams() -> None:
    """Never fail on a character the console's code page lacks (cp932 and — in a finding)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(ValueError, OSError):  # a stream that refuses
                reconfigure(errors=_ERRORS)


def _quiet_broken_pipe() -> int:
    """The reader went away: stop without a word, and keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture output)
        pass
    return EXIT_BROKEN_PIPE


# The parser, in the run's language -----------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse with its own words (usage, options, error) in the run's language."""

    lang = "en"

    def format_help(self) -> str:
        return self._translate(super().format_help())

    def format_usage(self) -> str:
        return self._translate(super().format_usage())

    def _translate(self, text: str) -> str:
        say = functools.partial(t, self.lang)
        text = text.replace("usage: ", say("cli.usage"), 1)
        text = text.replace("\npositional arguments:\n", f"\n{say('cli.positional')}:\n")
        text = text.replace("\noptions:\n", f"\n{say('cli.options')}:\n")
        text = text.replace("\noptional arguments:\n", f"\n{say('cli.options')}:\n")
        return text.replace("show this help message and exit", say("cli.help"))

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        message = _argparse_message(message, self.lang)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {t(self.lang, 'cli.error')}: {message}\n")


#: argparse's own error messages, read back so that they can be said in the run's language.
_ARGPARSE_MESSAGES = [
    (re.compile(r"argument (?P<arg>.+?): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)$"),
     "cli.arg.invalid_choice"),
    (re.compile(r"argument (?P<arg>.+?): invalid (?P<kind>int) value: (?P<value>.+)$"),
     "cli.arg.invalid_value"),
    (re.compile(r"argument (?P<arg>.+?): expected one argument$"), "cli.arg.expected_one"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)$"), "cli.arg.unrecognized"),
    (re.compile(r"the following arguments are required: (?P<args>.+)$"), "cli.arg.required"),
]


def _argparse_message(message: str, lang: str) -> str:
    for pattern, key in _ARGPARSE_MESSAGES:
        found = pattern.match(message)
        if found:
            fields = found.groupdict()
            if "kind" in fields:
                fields["kind"] = t(lang, f"cli.arg.kind.{fields['kind']}")
            return t(lang, key, **fields)
    return message  # a message argparse words differently: as it is


def _build_parser(lang: str = "en") -> argparse.ArgumentParser:
    say = functools.partial(t, lang)

    def parser_class(*args: object, **kwargs: object) -> _Parser:
        made = _Parser(*args, **kwargs)  # type: ignore[arg-type]
        made.lang = lang
        return made

    parser = parser_class(prog="kpi-xl", description=say("cli.description"))
    parser.add_argument("--version", action="version", version=f"kpi-xl {__version__}",
                        help=say("cli.version"))
    parser.add_argument("--lang", dest="run_lang", choices=LANGS, default=None,
                        help=say("cli.lang"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=say("cli.commands"),
                                parser_class=parser_class)

    p_template = sub.add_parser("template", help=say("cli.template"),
                                description=say("cli.template"))
    p_template.add_argument("-o", "--output", type=Path, default=None,
                            help=say("cli.template.output"))
    p_template.add_argument("--lang", choices=LANGS, default=None, help=say("cli.template.lang"))
    p_template.add_argument("--sample", action="store_true", help=say("cli.template.sample"))
    p_template.add_argument("--force", action="store_true", help=say("cli.template.force"))

    p_gen = sub.add_parser("generate", help=say("cli.generate"), description=say("cli.generate"))
    p_gen.add_argument("plan", nargs="*", type=Path, default=None, help=say("cli.generate.plan"))
    p_gen.add_argument("--quarter", default=None, help=say("cli.generate.quarter"))
    p_gen.add_argument("--out", type=Path, default=Path("workbooks"),
                       help=say("cli.generate.out"))
    p_gen.add_argument("--lang", choices=LANGS, default=None, help=say("cli.generate.lang"))
    p_gen.add_argument("--previous", type=Path, default=None, metavar="DIR",
                       help=say("cli.generate.previous"))
    p_gen.add_argument("--force", action="store_true", help=say("cli.generate.force"))
    p_gen.add_argument("--jobs", type=int, default=None, metavar="N",
                       help=say("cli.generate.jobs"))
    p_gen.add_argument("--with-udfs", action="store_true", help=say("cli.generate.with_udfs"))
    p_gen.add_argument("-q", "--quiet", action="store_true", help=say("cli.generate.quiet"))

    p_addin = sub.add_parser("addin", help=say("cli.addin"), description=say("cli.addin"))
    p_addin.add_argument("platform", nargs="?", choices=("classic", "lite"), default="classic",
                         help=say("cli.addin.platform"))
    p_addin.add_argument("-o", "--output", type=Path, default=None,
                         help=say("cli.addin.output"))
    p_addin.add_argument("--lang", choices=LANGS, default=None, help=say("cli.addin.lang"))

    p_check = sub.add_parser("check", help=say("cli.check"), description=say("cli.check"))
    p_check.add_argument("path", nargs="?", type=Path, default=None, help=say("cli.check.path"))
    p_check.add_argument("--json", action="store_true", help=say("cli.check.json"))
    p_check.add_argument("--lang", choices=LANGS, default=None, help=say("cli.check.lang"))

    p_report = sub.add_parser("report", help=say("cli.report"), description=say("cli.report"))
    p_report.add_argument("plan", nargs="*", type=Path, default=None,
                          help=say("cli.report.plan"))
    p_report.add_argument("--quarter", default=None, help=say("cli.report.quarter"))
    p_report.add_argument("--out", type=Path, default=Path("workbooks"),
                          help=say("cli.report.out"))
    p_report.add_argument("--to", type=Path, default=None, metavar="DIR",
                          help=say("cli.report.to"))
    p_report.add_argument("--lang", choices=LANGS, default=None, help=say("cli.report.lang"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    _safe_streams()
    as_command = argv is None  # the kpi-xl script (tests pass argv and keep their handlers)
    argv = list(sys.argv[1:] if argv is None else argv)
    default_lang = _lang_in(argv) or system_lang()
    parser = _build_parser(default_lang)
    try:
        return _run(parser, argv, default_lang)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    finally:
        if as_command:
            # The work is done and reported: a Ctrl-C now (while Python shuts down, when its
            # own handler is gone) must not kill the process and turn the exit code into a lie.
            with contextlib.suppress(ValueError):  # not the main thread: nothing to do
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            # CPython quirk: a Ctrl-C that lands inside a string exec (dataclasses and
            # namedtuples build their methods that way), even one caught and reported, leaves a
            # flag that makes `python -m kpi_xl` kill itself with SIGINT at exit instead of
            # returning 130. Evaluating any string resets the flag.
            exec("None")


def _run(parser: argparse.ArgumentParser, argv: list[str], default_lang: str) -> int:
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    args.lang = getattr(args, "lang", None) or args.run_lang
    args.default_lang = default_lang
    try:
        commands = {"template": _cmd_template, "generate": _cmd_generate, "addin": _cmd_addin,
                    "check": _cmd_check, "report": _cmd_report}
        code = commands[args.command](args)
        sys.stdout.flush()  # a reader that went away is noticed here, not at interpreter exit
        return code
    except BrokenPipeError:
        raise
    except KpiXlError as err:
        # The language asked for; else the one the plan's details were written in; else the
        # system's.
        lang = args.lang or err.lang or default_lang
        print(f"kpi-xl: {err.message(lang)}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt as stop:
        from kpi_xl.app.interrupts import written

        _report_interrupt(getattr(stop, "written", None) or written(), [],
                          args.lang or default_lang)
        return EXIT_INTERRUPTED
    except Exception as err:
        if os.environ.get("KPI_XL_DEBUG") == "1":
            raise
        print("kpi-xl: " + t(args.lang or default_lang, "cli.internal",
                             error=f"{type(err).__name__}: {err}"), file=sys.stderr)
        return EXIT_INTERNAL


def _report_interrupt(written: Sequence[Path], not_written: Sequence[Path], lang: str) -> None:
    """The last word after Ctrl-C: exactly what was written, and which plans were not."""
    if not written:
        print("kpi-xl: " + t(lang, "cli.interrupted_nothing"), file=sys.stderr)
    else:
        print("kpi-xl: " + t(lang, "cli.interrupted_written", count=len(written)),
              file=sys.stderr)
        for path in written:
            print(f"  {path}", file=sys.stderr)
    if not_written:
        print(t(lang, "cli.interrupted_not", count=len(not_written)), file=sys.stderr)
        for plan in not_written:
            print(f"  {plan}", file=sys.stderr)


def _writable_folder(folder: Path) -> None:
    """Refuse an output folder that is a file or cannot be written, before any work is done."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise UsageError.text("cli.out_is_file", folder=folder, existing=existing)
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError.text("cli.out_not_writable", folder=folder, existing=existing)


def _cmd_template(args: argparse.Namespace) -> int:
    from kpi_xl.app.template import write_template

    lang = args.lang or args.default_lang
    default = f"{'sample_plan' if args.sample else 'kpi_plan_template'}_{lang}.xlsx"
    output: Path = args.output or Path(default)
    if output.suffix.lower() != ".xlsx":
        raise UsageError.text("cli.template_not_xlsx", output=output)
    if output.is_dir():
        raise UsageError.text("cli.template_is_folder", output=output)
    if output.exists() and not args.force:
        raise UsageError.text("cli.template_exists", output=output)
    _writable_folder(output.parent if str(output.parent) else Path("."))
    write_template(output, lang, sample=args.sample)
    print(output)
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    from kpi_xl.app.generate import generate_from_file
    from kpi_xl.app.interrupts import forget_written
    from kpi_xl.io.resources import sample_plan_path

    forget_written()
    plans: list[Path] = args.plan or [sample_plan_path(args.lang or args.default_lang)]
    if len(plans) > 1:
        return _generate_many(args, plans)
    _writable_folder(args.out)
    paths = generate_from_file(plans[0], args.out, quarter_text=args.quarter, lang=args.lang,
                               with_udfs=args.with_udfs, previous_dir=args.previous,
                               force=args.force,
                               on_backup=functools.partial(_report_backup,
                                                           args.lang or args.default_lang),
                               on_note=_report_note)
    for path in paths:
        print(path)
    return EXIT_OK


def _generate_many(args: argparse.Namespace, plans: list[Path]) -> int:
    from kpi_xl.app.batch import generate_many

    if args.previous is not None:
        raise UsageError.text("cli.previous_with_many")
    _writable_folder(args.out)
    ui_lang = args.lang or args.default_lang
    batch = generate_many(plans, args.out, jobs=args.jobs, quarter_text=args.quarter,
                          lang=args.lang, with_udfs=args.with_udfs, force=args.force,
                          show_progress=not args.quiet, ui_lang=ui_lang)
    results = batch.results
    for result in results:
        for path in result.paths:
            print(path)
        for note in result.notes:
            print(f"kpi-xl: {result.plan}: {note}", file=sys.stderr)
    failed = [r for r in results if not r.ok and not r.interrupted]
    for result in failed:
        print(f"kpi-xl: {result.plan}: {result.message}", file=sys.stderr)
    if batch.interrupted:
        _report_interrupt([p for r in results for p in r.paths],
                          [r.plan for r in results if not r.paths], ui_lang)
        return EXIT_INTERRUPTED
    if failed:
        print("kpi-xl: " + t(ui_lang, "cli.batch_failed", failed=len(failed),
                             total=len(results)), file=sys.stderr)
        return max(r.exit_code for r in failed)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    import json

    from kpi_xl.app.check import check_path, document, error_document
    from kpi_xl.io.resources import sample_plan_path

    path: Path = args.path or sample_plan_path(args.lang or args.default_lang)
    # Exact for tools whatever the console: \u escapes where stdout is not UTF-8 (cp932).
    utf8 = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8"
    try:
        reports = check_path(path, args.lang)
    except KpiXlError as err:
        if args.json:  # tools get a document to parse; people still get the message on stderr
            print(json.dumps(error_document(str(path), args.lang or err.lang or args.default_lang,
                                            err), ensure_ascii=not utf8, indent=2))
        raise
    if args.json:
        print(json.dumps(document(str(path), args.lang, reports), ensure_ascii=not utf8,
                         indent=2))
    else:
        for report in reports:
            print(report.render(), end="")
    return EXIT_FINDINGS if any(r.errors for r in reports) else EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from kpi_xl.app.report_files import report_from_file, report_many

    if args.to is not None:
        _writable_folder(args.to)
    plans: list[Path] = args.plan or []

    def warn(text: str) -> None:
        print(f"kpi-xl: {text}", file=sys.stderr)

    if len(plans) > 1:
        written = report_many(plans, args.out, quarter_text=args.quarter, lang=args.lang,
                              to=args.to, on_warning=warn)
    else:
        written = report_from_file(plans[0] if plans else None, args.out,
                                   quarter_text=args.quarter, lang=args.lang, to=args.to,
                                   on_warning=warn)
    for path in written:
        print(path)
    return EXIT_OK


def _cmd_addin(args: argparse.Namespace) -> int:
    from kpi_xl.addin import setup as addin

    folder: Path = args.output or Path("kpi_xl_lite" if args.platform == "lite" else "kpi_xl_addin")
    _writable_folder(folder)
    write = addin.write_lite if args.platform == "lite" else addin.write_classic
    written = write(folder)
    for path in written:
        print(path)
    print(addin.steps(args.platform, args.lang or args.default_lang, written))
    return EXIT_OK


def _report_note(line: str) -> None:
    print(f"kpi-xl: {line}", file=sys.stderr)


def _report_backup(lang: str, path: Path, backup: Path) -> None:
    print("kpi-xl: " + t(lang, "cli.kept_backup", name=path.name, backup=backup),
          file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
