"""The ``kpi-xl`` command line.

Exit codes: 0 done; 1 checks found errors (``check``); 2 unusable input or options (nothing
written); 70 an internal error (a bug: please report it). No traceback reaches the user unless
``KPI_XL_DEBUG=1`` is set.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kpi_xl import __version__
from kpi_xl.core.errors import KpiXlError, UsageError

__all__ = ["main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpi-xl",
        description="KPI planning workbooks with live formulas: template → plan → department "
                    "workbooks. / KPI 計画ブックを生成します。",
    )
    parser.add_argument("--version", action="version", version=f"kpi-xl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_template = sub.add_parser("template", help="write a blank plan template to fill in")
    p_template.add_argument("-o", "--output", type=Path, default=None,
                            help="where to write it (default: kpi_plan_template_<lang>.xlsx)")
    p_template.add_argument("--lang", choices=("ja", "en"), default="ja",
                            help="language of the template (default: ja)")
    p_template.add_argument("--sample", action="store_true",
                            help="fill it with the sample plan (the article's example numbers)")
    p_template.add_argument("--force", action="store_true", help="overwrite an existing file")

    p_gen = sub.add_parser("generate", help="write the department workbooks for a quarter")
    p_gen.add_argument("plan", nargs="*", type=Path, default=None,
                       help="the filled-in plan(s) (.xlsx); default: the bundled sample plan. "
                            "With several plans, each writes into OUT/<plan file name>/")
    p_gen.add_argument("--quarter", default=None,
                       help="fiscal quarter such as 2026Q1 (default: the quarter of today's date, "
                            "or Q1 when today lies outside the plan's fiscal year)")
    p_gen.add_argument("--out", type=Path, default=Path("workbooks"),
                       help="output folder (default: workbooks/); one subfolder per quarter")
    p_gen.add_argument("--lang", choices=("ja", "en"), default=None,
                       help="language of the workbooks (default: the plan's language)")
    p_gen.add_argument("--previous", type=Path, default=None, metavar="DIR",
                       help="folder of last quarter's workbooks whose actuals are carried "
                            "forward (default: OUT/FY<year>Q<n-1>/ when it exists)")
    p_gen.add_argument("--force", action="store_true",
                       help="replace workbooks that hold entered data, keeping each as a "
                            "timestamped .bak.xlsx backup")
    p_gen.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="worker processes for several plans (default: the machine's cores)")
    p_gen.add_argument("--with-udfs", action="store_true",
                       help="add cells that call the kpi_xl Excel functions (need the add-in; "
                            "see kpi-xl addin)")

    p_addin = sub.add_parser("addin", help="set up the KPI functions (=KPI_...) for Excel cells")
    p_addin.add_argument("platform", nargs="?", choices=("classic", "lite"), default="classic",
                         help="classic: Windows Excel with the xlwings add-in (default); "
                              "lite: xlwings Lite on Mac, Windows and the web")
    p_addin.add_argument("-o", "--output", type=Path, default=None,
                         help="folder for the files (default: kpi_xl_addin/ or kpi_xl_lite/)")
    p_addin.add_argument("--lang", choices=("ja", "en"), default="en",
                         help="language of the printed steps (default: en)")
    p_check = sub.add_parser(
        "check", help="check SMART targets, the KPI tree, benchmarks and actuals (KPI倒れ)")
    p_check.add_argument("path", nargs="?", type=Path, default=None,
                         help="a plan, a generated department workbook, or a folder of them "
                              "(default: the bundled sample plan)")
    p_check.add_argument("--json", action="store_true", help="print one JSON document")
    p_check.add_argument("--lang", choices=("ja", "en"), default=None,
                         help="language of the report (default: the file's language)")
    _add_report_parser(sub)
    return parser


def _add_report_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report", help="read a quarter's workbooks; write an HTML report, a history CSV and a "
                       "company dashboard")
    p.add_argument("plan", nargs="*", type=Path, default=None,
                   help="the plan the workbooks were generated from (default: the sample plan "
                        "in the workbooks' language). With several plans, each plan's report "
                        "is written in OUT/<plan file name>/ and the group's roll-up in "
                        "OUT/group/")
    p.add_argument("--quarter", default=None,
                   help="fiscal quarter such as 2026Q2 (default: the quarter of today's date)")
    p.add_argument("--out", type=Path, default=Path("workbooks"),
                   help="the folder generate wrote into (default: workbooks/); its quarter "
                        "folders are read")
    p.add_argument("--to", type=Path, default=None, metavar="DIR",
                   help="where to write the report (default: OUT/FY<year>Q<n>/report/)")
    p.add_argument("--lang", choices=("ja", "en"), default=None,
                   help="language of the report (default: the plan's language)")


def _cmd_report(args: argparse.Namespace) -> int:
    from kpi_xl.app.report_files import report_from_file, report_many

    if args.to is not None:
        _writable_folder(args.to)
    plans: list[Path] = args.plan or []
    run = report_many if len(plans) > 1 else report_from_file
    written = run(plans if len(plans) > 1 else (plans[0] if plans else None),  # type: ignore[arg-type]
                  args.out, quarter_text=args.quarter, lang=args.lang, to=args.to,
                  on_warning=lambda text: print(f"kpi-xl: {text}", file=sys.stderr))
    for path in written:
        print(path)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        if args.command == "template":
            return _cmd_template(args)
        if args.command == "generate":
            return _cmd_generate(args)
        if args.command == "addin":
            return _cmd_addin(args)
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "report":
            return _cmd_report(args)
        parser.error(f"unknown command {args.command}")
    except KpiXlError as err:
        # The language asked for; else the one the plan's details were written in; else English.
        lang = getattr(args, "lang", None) or err.lang or "en"
        print(f"kpi-xl: {err.message(lang)}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("kpi-xl: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("KPI_XL_DEBUG") == "1":
            raise
        print(f"kpi-xl: internal error ({type(err).__name__}: {err}). This is a bug; run again "
              "with KPI_XL_DEBUG=1 to see the details and please report them.", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


def _writable_folder(folder: Path) -> None:
    """Refuse an output folder that is a file or cannot be written, before any work is done."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise UsageError(
            f"--out {folder}: {existing} is a file, not a folder; choose a folder for the workbooks",
            f"--out {folder}: {existing} はファイルです。ブックを書き出すフォルダを指定してください")
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"--out {folder}: cannot write into {existing} (permission denied); choose another "
            f"folder",
            f"--out {folder}: {existing} に書き込めません(権限がありません)。別のフォルダを指定してください")


def _cmd_template(args: argparse.Namespace) -> int:
    from kpi_xl.app.template import write_template

    default = f"{'sample_plan' if args.sample else 'kpi_plan_template'}_{args.lang}.xlsx"
    output: Path = args.output or Path(default)
    if output.suffix.lower() != ".xlsx":
        raise UsageError(
            f"-o {output}: the template must be an .xlsx file; give a name ending in .xlsx",
            f"-o {output}: テンプレートは .xlsx ファイルです。.xlsx で終わる名前を指定してください")
    if output.is_dir():
        raise UsageError(f"-o {output}: that is a folder; give a file name ending in .xlsx",
                         f"-o {output}: フォルダです。.xlsx で終わるファイル名を指定してください")
    if output.exists() and not args.force:
        raise UsageError(
            f"{output} already exists; it may hold a filled-in plan. Choose another name with "
            f"-o, or add --force to replace it.",
            f"{output} は既に存在します(記入済みの計画かもしれません)。-o で別名を指定するか、"
            f"--force で置き換えてください。")
    _writable_folder(output.parent if str(output.parent) else Path("."))
    write_template(output, args.lang, sample=args.sample)
    print(output)
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    from kpi_xl.app.generate import generate_from_file
    from kpi_xl.io.resources import sample_plan_path

    plans: list[Path] = args.plan or [sample_plan_path(args.lang or "ja")]
    if len(plans) > 1:
        return _generate_many(args, plans)
    _writable_folder(args.out)
    paths = generate_from_file(plans[0], args.out, quarter_text=args.quarter, lang=args.lang,
                               with_udfs=args.with_udfs, previous_dir=args.previous,
                               force=args.force, on_backup=_report_backup)
    for path in paths:
        print(path)
    return EXIT_OK


def _generate_many(args: argparse.Namespace, plans: list[Path]) -> int:
    from kpi_xl.app.batch import generate_many

    if args.previous is not None:
        raise UsageError(
            "--previous names one folder of last quarter's workbooks; with several plans each "
            "plan's own folder under --out is used, so leave --previous out",
            "--previous は 1 つの計画用です。複数の計画では --out の下の各計画のフォルダを使うため、"
            "--previous を外してください")
    _writable_folder(args.out)
    results = generate_many(plans, args.out, jobs=args.jobs, quarter_text=args.quarter,
                            lang=args.lang, with_udfs=args.with_udfs, force=args.force)
    for result in results:
        for path in result.paths:
            print(path)
    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"kpi-xl: {result.plan}: {result.message}", file=sys.stderr)
    if failed:
        print(f"kpi-xl: {len(failed)} of {len(results)} plans failed; the others were written.",
              file=sys.stderr)
        return max(r.exit_code for r in failed)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    import json

    from kpi_xl.app.check import check_path, document, error_document
    from kpi_xl.io.resources import sample_plan_path

    path: Path = args.path or sample_plan_path(args.lang or "ja")
    try:
        reports = check_path(path, args.lang)
    except KpiXlError as err:
        if args.json:  # tools get a document to parse; people still get the message on stderr
            print(json.dumps(error_document(str(path), args.lang or err.lang or "en", err),
                             ensure_ascii=False, indent=2))
        raise
    if args.json:
        print(json.dumps(document(str(path), args.lang, reports), ensure_ascii=False, indent=2))
    else:
        for report in reports:
            print(report.render(), end="")
    return EXIT_FINDINGS if any(r.errors for r in reports) else EXIT_OK


def _cmd_addin(args: argparse.Namespace) -> int:
    from kpi_xl.addin import setup as addin

    folder: Path = args.output or Path("kpi_xl_lite" if args.platform == "lite" else "kpi_xl_addin")
    _writable_folder(folder)
    write = addin.write_lite if args.platform == "lite" else addin.write_classic
    written = write(folder)
    for path in written:
        print(path)
    print(addin.steps(args.platform, args.lang, written))
    return EXIT_OK


def _report_backup(path: Path, backup: Path) -> None:
    print(f"kpi-xl: kept {path.name} as {backup}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
