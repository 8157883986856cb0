"""Reading untrusted files safely: defusedxml in effect, and the checks made before parsing.

The catalogue (test_catalogue.py) runs each refusal through the command line; these tests pin the
mechanisms themselves: openpyxl parses through defusedxml, a DTD never reaches a parser, a zip
bomb is refused by its declared sizes before anything is decompressed, and a plan that passes the
checks reads as before.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kpi_xl.core.errors import PlanError
from kpi_xl.io import safety
from kpi_xl.io.plan_reader import read_plan
from kpi_xl.io.resources import sample_plan_path


def test_openpyxl_parses_every_xml_part_through_defusedxml() -> None:
    import openpyxl.reader.excel
    import openpyxl.reader.strings
    import openpyxl.worksheet._reader
    import openpyxl.xml.functions as functions

    assert safety.defused_in_effect()
    assert functions.fromstring.__module__.startswith("defusedxml")
    assert functions.iterparse.__module__.startswith("defusedxml")
    # The modules that parse workbooks, shared strings and sheets use those very functions.
    assert openpyxl.reader.excel.fromstring is functions.fromstring
    assert openpyxl.reader.strings.iterparse is functions.iterparse
    assert openpyxl.worksheet._reader.iterparse is functions.iterparse


def test_defusedxml_itself_refuses_an_entity_bomb() -> None:
    # Even if a DTD got past check_xlsx, the parser openpyxl uses would refuse it.
    import defusedxml
    import openpyxl.xml.functions as functions

    bomb = (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><root>&lol2;</root>')
    with pytest.raises(defusedxml.DefusedXmlException):
        functions.fromstring(bomb)


def _copy_with(tmp_path: Path, extra: dict[str, bytes], name: str = "plan.xlsx",
               compression: int = zipfile.ZIP_DEFLATED) -> Path:
    target = tmp_path / name
    with zipfile.ZipFile(sample_plan_path("en")) as old, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info.filename))
        for member, data in extra.items():
            new.writestr(member, data, compress_type=compression)
    return target


def test_a_member_that_expands_too_many_times_is_refused_unread(tmp_path: Path,
                                                                 monkeypatch) -> None:
    # 2 MiB of zeros packs into about 2 KiB: a ratio of 1000, refused as a bomb.
    path = _copy_with(tmp_path, {"xl/media/zeros.bin": bytes(2 * 1024 * 1024)})
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(getattr(name, "filename", name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    with pytest.raises(PlanError) as caught:
        safety.check_xlsx(path)
    assert "possible zip bomb" in caught.value.message("en")
    assert "zip 爆弾" in caught.value.message("ja")
    assert "xl/media/zeros.bin" not in opened  # judged by its declared size alone


def test_members_that_add_up_to_too_much_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(safety, "MAX_TOTAL_BYTES", 100_000)
    path = _copy_with(tmp_path, {"xl/media/a.bin": bytes(60_000), "xl/media/b.bin": bytes(60_000)},
                      compression=zipfile.ZIP_STORED)
    with pytest.raises(PlanError) as caught:
        safety.check_xlsx(path)
    assert "in all (the limit is 100,000)" in caught.value.message("en")


def test_a_dtd_in_utf16_is_found_too(tmp_path: Path) -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
    path = _copy_with(tmp_path, {"docProps/kpi_extra.xml": xml.encode("utf-16-le")})
    with pytest.raises(PlanError) as caught:
        safety.check_xlsx(path)
    assert "document type declaration" in caught.value.message("en")


def test_a_macro_content_type_is_refused_even_without_vba_part(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    with zipfile.ZipFile(sample_plan_path("en")) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml",
                                    b"ms-excel.sheet.macroEnabled.main+xml")
            new.writestr(info.filename, data)
    with pytest.raises(PlanError) as caught:
        read_plan(path)
    assert "macro-enabled" in caught.value.message("en")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_bundled_plans_pass_the_checks(lang: str) -> None:
    safety.check_xlsx(sample_plan_path(lang))
    assert read_plan(sample_plan_path(lang)).lang == lang
