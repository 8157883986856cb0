"""What a real console does to ``kpi-xl``: a legacy code page, a reader that goes away, a locale.

Every command runs as a real process with ``PYTHONIOENCODING=cp932`` (stdout and stderr of a
Japanese Windows console when redirected or piped), in both languages, on input whose messages
contain characters cp932 lacks (— – 〜). None may fail; the text must come out in cp932.
A closed pipe (``kpi-xl check --json | head``) ends quietly. ``--help`` follows the locale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.app.cli import main, system_lang
from kpi_xl.io.resources import sample_plan_path
from tests.conftest import set_named

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    for var in ("KPI_XL_LANG", "LC_ALL", "LC_MESSAGES"):
        if var not in extra:
            env.pop(var, None)
    env.setdefault("LANG", "C.UTF-8")
    return env


def _kpi_xl(*argv: str) -> list[str]:
    return [sys.executable, "-m", "kpi_xl", *argv]


@pytest.fixture(scope="module")
def troubled_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan whose findings carry — (SMART hints), – (English ranges) and 〜 (Japanese ones)."""
    folder = tmp_path_factory.mktemp("cp932")
    paths = {}
    for lang in ("en", "ja"):
        wb = openpyxl.load_workbook(sample_plan_path(lang))
        set_named(wb, {"Sales_WinRate": 0.6})  # far outside the 20–30% benchmark
        ws = next(ws for ws in wb.worksheets if "CS_KPIs" in ws.tables)
        cells = list(ws[ws.tables["CS_KPIs"].ref])
        header = [c.value for c in cells[0]]
        target = next(i for i, h in enumerate(header) if h in ("Target", "目標値"))
        cells[3][target].value = 5  # NPS of 5: not achievable-and-meaningful
        paths[lang] = folder / f"plan_{lang}.xlsx"
        wb.save(paths[lang])
    return folder


def test_the_troubled_plan_really_needs_characters_cp932_lacks(
        troubled_plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for lang in ("en", "ja"):
        main(["check", str(troubled_plan / f"plan_{lang}.xlsx"), "--lang", lang])
        out = capsys.readouterr().out
        lacking = [c for c in set(out) if not _encodable(c)]
        assert lacking, f"{lang}: every character of the report fits cp932; the test proves nothing"


def _encodable(char: str) -> bool:
    try:
        char.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False


def _commands(plan: Path, out: Path, lang: str) -> dict[str, tuple[list[str], set[int]]]:
    return {
        "help": (["--help", "--lang", lang], {0}),
        "generate-help": (["generate", "--help", "--lang", lang], {0}),
        "template": (["template", "-o", str(out / "t.xlsx"), "--lang", lang], {0}),
        "generate": (["generate", str(plan), "--quarter", "2026Q1", "--out", str(out / "wb"),
                      "--lang", lang], {0}),
        "bad-quarter": (["generate", str(plan), "--quarter", "2026Q9", "--out", str(out / "x"),
                         "--lang", lang], {2}),
        "missing-plan": (["generate", str(out / "none.xlsx"), "--lang", lang], {2}),
        "check": (["check", str(plan), "--lang", lang], {1}),
        "check-json": (["check", str(plan), "--json", "--lang", lang], {1}),
        "addin": (["addin", "-o", str(out / "addin"), "--lang", lang], {0}),
        "addin-lite": (["addin", "lite", "-o", str(out / "lite"), "--lang", lang], {0}),
        "bad-option": (["generate", "--jobs", "many", "--lang", lang], {2}),
    }


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_command_writes_to_a_cp932_console(troubled_plan: Path, tmp_path: Path,
                                                 lang: str) -> None:
    env = _env(PYTHONIOENCODING="cp932")
    commands = _commands(troubled_plan / f"plan_{lang}.xlsx", tmp_path, lang)
    running = {name: subprocess.Popen(_kpi_xl(*argv), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, env=env)
               for name, (argv, _) in commands.items()}  # all at once: one wait, not eleven
    for name, child in running.items():
        stdout, stderr = child.communicate(timeout=180)
        out, err = stdout.decode("cp932"), stderr.decode("cp932")  # strict: it must be cp932
        assert child.returncode in commands[name][1], (name, child.returncode, err[-2000:])
        assert "internal error" not in err and "Traceback" not in err, (name, err[-2000:])
        assert out or err, name
        if name == "check-json":  # exact for tools: \u escapes instead of stand-ins
            import json

            document = json.loads(out)
            assert "―" not in out and json.dumps(document, ensure_ascii=False).count("—") > 0
        if lang == "ja" and name in ("help", "check", "addin-lite"):
            assert any("\u3040" <= c <= "\u30ff" for c in out), (name, out[:200])


@pytest.mark.parametrize("argv", [["check", "--json"], ["check"], ["--help"],
                                  ["addin", "lite", "-o", "{tmp}"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path,
                                                          argv: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte (`| head -0`)
    argv = [a.replace("{tmp}", str(tmp_path / "lite")) for a in argv]
    child = subprocess.run(_kpi_xl(*argv), stdout=write_end, stderr=subprocess.PIPE,
                           env=_env(), timeout=120, check=False)
    os.close(write_end)
    err = child.stderr.decode("utf-8", "replace")
    assert child.returncode in (0, 141), (child.returncode, err)
    assert err == "", err  # no "internal error", no "Exception ignored ... BrokenPipeError"


def test_help_follows_a_japanese_locale_and_lang() -> None:
    ja = subprocess.run(_kpi_xl("--help"), capture_output=True, env=_env(LANG="ja_JP.UTF-8"),
                        timeout=60, check=True, text=True, encoding="utf-8").stdout
    assert ja.startswith("使い方: kpi-xl") and "コマンド" in ja and "テンプレート" in ja
    en = subprocess.run(_kpi_xl("--help"), capture_output=True, env=_env(LANG="C.UTF-8"),
                        timeout=60, check=True, text=True, encoding="utf-8").stdout
    assert en.startswith("usage: kpi-xl") and "使い方" not in en


def test_lang_wins_over_the_locale_for_help(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("KPI_XL_LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    assert main(["--lang", "ja", "check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "使い方" in out and "オプション" in out and "options:" not in out
    assert main(["check", "--help", "--lang", "ja"]) == 0
    assert "JSON ドキュメント" in capsys.readouterr().out


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "ja_JP.UTF-8"}, "ja"), ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "C"}, "en"),
    ({"LC_ALL": "ja_JP.eucJP", "LANG": "en_US.UTF-8"}, "ja"),
    ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"),
    ({"KPI_XL_LANG": "ja", "LANG": "C"}, "ja"), ({}, "en")])
def test_the_system_language(environ: dict[str, str], expected: str) -> None:
    if not environ and sys.platform == "win32":
        pytest.skip("Windows asks the display language")
    assert system_lang(environ) == expected


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_command_defaults_to_the_same_language(
        lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KPI_XL_LANG", lang)
    monkeypatch.chdir(tmp_path)
    assert main(["template"]) == 0
    assert capsys.readouterr().out.strip() == f"kpi_plan_template_{lang}.xlsx"
    assert main(["addin", "lite"]) == 0
    steps = capsys.readouterr().out
    assert ("main.py タブ" in steps) == (lang == "ja")
    assert main(["generate", str(tmp_path / "missing.xlsx")]) == 2
    err = capsys.readouterr().err
    assert ("計画ファイルが見つかりません" in err) == (lang == "ja"), err


@pytest.mark.parametrize(("argv", "ja", "en"), [
    (["generate", "--jobs", "many"], "--jobs の値 'many' は整数ではありません",
     "argument --jobs: invalid int value: 'many'"),
    (["check", "--lang", "fr"], "--lang に 'fr' は指定できません", "invalid choice: 'fr'"),
    (["bogus"], "COMMAND に 'bogus' は指定できません", "invalid choice: 'bogus'"),
    (["generate", "--bogus"], "使えない引数です: --bogus", "unrecognized arguments: --bogus"),
    (["generate", "--quarter"], "--quarter には値を 1 つ指定してください",
     "argument --quarter: expected one argument"),
])
def test_option_errors_speak_the_runs_language(argv: list[str], ja: str, en: str,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_XL_LANG", "ja")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "使い方:" in err and "エラー:" in err and ja in err, err
    assert "usage:" not in err and "argument" not in err
    monkeypatch.setenv("KPI_XL_LANG", "en")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage:" in err and en in err, err
