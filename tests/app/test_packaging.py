"""The wheel carries everything kpi-xl needs at run time, templates included.

Builds the wheel once (hatchling; ``force-include`` puts ``templates/`` in as
``kpi_xl/_templates``), unpacks it like a non-editable install, and runs ``kpi-xl generate`` from
that copy in a folder far from the source tree. A full fresh-venv install is checked by hand
(about 30 s, mostly pandas); see the closing notes of issue 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p.name for p in (ROOT / "templates").glob("*.xlsx"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    [built] = out.glob("kpi_xl-*.whl")
    return built


def test_the_wheel_ships_the_templates_and_the_sample_plan(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        shipped = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("kpi_xl/_templates/"))
        assert shipped == TEMPLATES
        for name in TEMPLATES:
            assert whl.read(f"kpi_xl/_templates/{name}") == (ROOT / "templates" / name).read_bytes()
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        assert "kpi-xl = kpi_xl.app.cli:main" in whl.read(entry_points).decode()
        assert not any(n.startswith("tests/") for n in names)


def test_an_installed_wheel_generates_the_sample_with_no_arguments(wheel: Path,
                                                                   tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as whl:
        whl.extractall(site)  # what a non-editable install puts into site-packages
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = subprocess.run(
        [sys.executable, "-c", "import kpi_xl, kpi_xl.io.resources as r; "
                               "print(kpi_xl.__file__); print(r.templates_dir())"],
        cwd=work, env=env, capture_output=True, text=True, check=True)
    module_file, templates = probe.stdout.splitlines()
    assert Path(module_file).is_relative_to(site), "the test must run the unpacked wheel"
    assert Path(templates) == site / "kpi_xl" / "_templates"

    # The sample's language follows the system's (one default language for every command).
    env["KPI_XL_LANG"] = "ja"
    result = subprocess.run([sys.executable, "-m", "kpi_xl", "generate"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    written = [work / line for line in result.stdout.splitlines()]
    assert written and all(p.is_file() for p in written)
    assert all(p.relative_to(work).parts[0] == "workbooks" for p in written)
    assert any(p.name.endswith("_sales_ja.xlsx") for p in written)


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2, "the quick start is exactly two commands"
    generate, test = commands
    assert generate.endswith("kpi-xl generate")
    assert test.endswith("-m pytest")
    assert test in ci, ".ci/run must run the README's test command word for word"
    assert "KPI_XL_REQUIRE_LIBREOFFICE=1" in ci


def test_the_readme_lists_every_named_cell_of_every_department() -> None:
    from kpi_xl.core.departments import DEPARTMENTS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [s.name for d in DEPARTMENTS.values() for s in (*d.inputs, *d.outputs)]
    assert [n for n in names if f"`{n}`" not in readme] == []


def test_an_installed_wheel_reports_with_its_shipped_html_template(wheel: Path,
                                                                   tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        assert "kpi_xl/app/templates/report.html.j2" in whl.namelist()
        whl.extractall(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    for argv in (["generate", "--quarter", "2026Q1", "--lang", "ja"],
                 ["report", "--quarter", "2026Q1", "--lang", "ja"]):
        result = subprocess.run([sys.executable, "-m", "kpi_xl", *argv], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=180, check=False)
        assert result.returncode == 0, result.stderr
    written = [tmp_path / line for line in result.stdout.splitlines()]
    assert [p.name for p in written] == ["report_ja.html", "history.csv", "dashboard_ja.xlsx"]
