"""Checks an .xlsx file must pass before openpyxl touches it: untrusted files are read safely.

Plans and last quarter's workbooks come from many hands. Before any XML parser sees a file,
:func:`check_xlsx` makes sure it is a regular file (a named pipe, device or socket is refused
before it is opened, since reading one can block for ever), then looks at its bytes and its zip directory (cheap, nothing is decompressed except
what is scanned for a DTD, in bounded chunks) and refuses, with a message in both languages:

- an encrypted (password-protected) workbook and an Excel 97-2003 ``.xls`` file (both are OLE
  compound files, signature ``D0 CF 11 E0``; the encrypted kind holds an ``EncryptedPackage``);
- a text or CSV file renamed ``.xlsx``; a zip that is damaged, or holds no workbook (a Word or
  OpenDocument file renamed);
- a macro-enabled workbook (``vbaProject.bin`` or a macro-enabled content type), whatever its name:
  macros are never executed, and never copied into generated workbooks;
- a zip bomb: more than :data:`MAX_MEMBERS` members, a member whose *declared* uncompressed size
  exceeds :data:`MAX_MEMBER_BYTES`, members that add up to more than :data:`MAX_TOTAL_BYTES`, or a
  member of more than :data:`RATIO_FLOOR_BYTES` that expands more than :data:`MAX_RATIO` times;
- more than :data:`MAX_CELLS` cells in all worksheets (counted in the same bounded pass), which
  openpyxl would hold in memory at once;
- any XML member with a document type declaration (``<!DOCTYPE`` or ``<!ENTITY``): OOXML never
  has one, and entity expansion is how XML bombs work.

Python's zipfile never returns more than a member's declared size (a member that inflates beyond
it fails its CRC check), so the declared-size limits also bound what openpyxl can decompress.

Beyond these checks, openpyxl parses every XML part through defusedxml when it is installed (it is
a dependency of kpi-xl); :func:`defused_in_effect` says whether that is so, and a test asserts it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from kpi_xl.core.errors import PlanError

__all__ = [
    "MAX_CELLS",
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_TABLE_ROWS",
    "MAX_TOTAL_BYTES",
    "check_xlsx",
    "defused_in_effect",
]

#: A plan template is about 40 KB and a department workbook about 100 KB once unpacked; these
#: limits are far above anything real and far below what would hurt.
MAX_MEMBERS = 2_000
MAX_MEMBER_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
#: Worksheet XML compresses 10-30 times, a sheet of repeated cells up to ~100 times. Above that, a
#: member larger than RATIO_FLOOR_BYTES is treated as a bomb.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
#: Rows in one table of a plan or workbook (a KPI list, a tracking table). A quarter of monthly
#: actuals for five KPIs is 15 rows; weekly, 65.
MAX_TABLE_ROWS = 5_000
#: Cells in all worksheets of one file. A department workbook holds a few thousand, a plan a few
#: hundred; a million would take openpyxl about a gigabyte of memory, so it is refused unread.
MAX_CELLS = 1_000_000

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MACRO_TYPES = (b"macroEnabled", b"vbaProject", b"ms-office.vbaProject")
_DTD_MARKS = tuple(m for text in ("<!DOCTYPE", "<!ENTITY")
                   for m in (text.encode("ascii"), text.encode("utf-16-le"),
                             text.encode("utf-16-be")))
_CHUNK = 1 << 16


def defused_in_effect() -> bool:
    """True when openpyxl parses XML through defusedxml (both ``fromstring`` and ``iterparse``)."""
    import openpyxl.xml.functions as functions

    return all(getattr(getattr(functions, name), "__module__", "").startswith("defusedxml")
               or "defusedxml" in repr(getattr(functions, name))
               for name in ("fromstring", "iterparse"))


def _refuse(path: Path, ja: str, en: str) -> PlanError:
    return PlanError(str(path), file_problem={"ja": ja, "en": en})


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "cp932"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            # A multi-byte character may be cut at the end of the sample.
            try:
                head[:-4].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def check_xlsx(path: Path, what: dict[str, str] | None = None) -> None:
    """Refuse a file that is not a safe, plain .xlsx workbook; see the module docstring.

    ``what`` names the file in messages (``{"ja": "計画ファイル", "en": "the plan"}``).
    Raises :class:`~kpi_xl.core.errors.PlanError` with a file-level problem.
    """
    path = Path(path)
    name = path.name
    _check_regular(path)
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(_OLE):
        if _ole_is_encrypted(path):
            raise _refuse(
                path,
                f"{name} はパスワードで保護(暗号化)されているため読めません。Excel で開き、"
                f"「ファイル > 情報 > ブックの保護 > パスワードを使用して暗号化」でパスワードを"
                f"消してから保存し直してください。",
                f"{name} is password-protected (encrypted), so it cannot be read. Open it in "
                f"Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
                f"Password) and save it again.")
        raise _refuse(
            path,
            f"{name} は Excel 97-2003 形式(.xls)のファイルです。Excel で開き、「Excel ブック "
            f"(*.xlsx)」として保存し直してください。",
            f"{name} is an Excel 97-2003 workbook (.xls) with an .xlsx name. Open it in Excel "
            f"and save it as 'Excel Workbook (*.xlsx)'.")
    if not head.startswith(b"PK"):
        if _looks_like_text(head):
            raise _refuse(
                path,
                f"{name} は Excel ブックとして読めません(中身はテキスト(CSV など)です)。CSV には"
                f"名前付きセルがありません。kpi-xl template で作成したテンプレートに入力してください。",
                f"{name} cannot be read as an Excel workbook: it is a text file (such as CSV) "
                f"with an .xlsx name. A CSV file has no named cells; fill in a template written "
                f"by kpi-xl template.")
        raise _not_a_workbook(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _damaged(path) from None
    with archive:
        try:
            infos = archive.infolist()
        except Exception:
            raise _damaged(path) from None
        _check_sizes(path, infos)
        names = {info.filename for info in infos}
        if not any(n.lower() == "[content_types].xml" for n in names) or not any(
                n.lower().startswith("xl/workbook") for n in names):
            raise _not_a_workbook(path, _other_office_kind(names), zipped=True)
        if any(n.lower().endswith("vbaproject.bin") for n in names) or _macro_content_type(
                archive, names):
            raise _refuse(
                path,
                f"{name} はマクロを含むブック(.xlsm 形式)です。kpi-xl はマクロを実行もコピーも"
                f"しません。マクロなしの「Excel ブック (*.xlsx)」として保存し直してください。",
                f"{name} is a macro-enabled workbook (.xlsm content). kpi-xl never runs or "
                f"copies macros; save it as a macro-free 'Excel Workbook (*.xlsx)'.")
        cells = 0
        for info in infos:
            lower = info.filename.lower()
            if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
                cells += _count_cells(archive, info)
                if cells > MAX_CELLS:
                    from kpi_xl.core.i18n import t

                    raise _refuse(path, *(t(lang, "file.too_many_cells", name=name,
                                            part=info.filename, limit=f"{MAX_CELLS:,}")
                                          for lang in ("ja", "en")))
            if lower.endswith((".xml", ".rels", ".vml")) and _has_dtd(archive, info):
                raise _refuse(
                    path,
                    f"{name} の {info.filename} に文書型定義(DOCTYPE/ENTITY)があります。Excel "
                    f"ブックには含まれないもので、XML 爆弾の恐れがあるため読みません。",
                    f"{name}: {info.filename} holds a document type declaration (DOCTYPE/"
                    f"ENTITY). Excel workbooks never do; it is refused as a possible XML bomb.")


def _check_regular(path: Path) -> None:
    """Refuse anything but a regular file: a named pipe would block the read for ever."""
    import os
    import stat

    from kpi_xl.core.i18n import t

    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode):
        return
    kind = ("fifo" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "folder" if stat.S_ISDIR(mode) else "other")
    raise _refuse(path, *(t(lang, "file.not_regular", name=path.name,
                            kind=t(lang, f"file.kind.{kind}")) for lang in ("ja", "en")))


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    name = path.name
    if len(infos) > MAX_MEMBERS:
        raise _refuse(
            path,
            f"{name} には {len(infos):,} 個の部品が入っています(上限 {MAX_MEMBERS:,})。計画や KPI "
            f"ブックとしては異常なため読みません。",
            f"{name} holds {len(infos):,} parts (the limit is {MAX_MEMBERS:,}); that is not a plan "
            f"or KPI workbook, so it is not read.")
    total = 0
    for info in infos:
        size, packed = info.file_size, max(info.compress_size, 1)
        total += size
        if size > MAX_MEMBER_BYTES:
            raise _refuse(
                path,
                f"{name} の {info.filename} は展開すると {size:,} バイトになります(上限 "
                f"{MAX_MEMBER_BYTES:,})。計画や KPI ブックとしては異常なため読みません。",
                f"{name}: {info.filename} would unpack to {size:,} bytes (the limit is "
                f"{MAX_MEMBER_BYTES:,}); that is not a plan or KPI workbook, so it is not read.")
        if size > RATIO_FLOOR_BYTES and size / packed > MAX_RATIO:
            raise _refuse(
                path,
                f"{name} の {info.filename} は圧縮率が {size / packed:,.0f} 倍です(上限 "
                f"{MAX_RATIO} 倍)。zip 爆弾の恐れがあるため読みません。",
                f"{name}: {info.filename} expands {size / packed:,.0f} times (the limit is "
                f"{MAX_RATIO}); it is refused as a possible zip bomb.")
    if total > MAX_TOTAL_BYTES:
        raise _refuse(
            path,
            f"{name} は展開すると合計 {total:,} バイトになります(上限 {MAX_TOTAL_BYTES:,})。"
            f"計画や KPI ブックとしては異常なため読みません。",
            f"{name} would unpack to {total:,} bytes in all (the limit is {MAX_TOTAL_BYTES:,}); "
            f"that is not a plan or KPI workbook, so it is not read.")


def _count_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """How many cells a worksheet part holds (its ``<c`` elements), read in bounded chunks."""
    count = 0
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                window = tail + chunk
                count += window.count(b"<c ") + window.count(b"<c>") - (
                    tail.count(b"<c ") + tail.count(b"<c>"))
                tail = window[-2:]
    except Exception:
        return count  # unreadable members are openpyxl's to report (as a damaged file)
    return count


def _has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    keep = max(len(m) for m in _DTD_MARKS)
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                window = tail + chunk
                if any(mark in window for mark in _DTD_MARKS):
                    return True
                tail = window[-keep:]
    except Exception:
        return False  # unreadable members are openpyxl's to report (as a damaged file)
    return False


def _macro_content_type(archive: zipfile.ZipFile, names: set[str]) -> bool:
    for n in names:
        if n.lower() == "[content_types].xml":
            try:
                with archive.open(n) as member:
                    data = member.read(MAX_MEMBER_BYTES)
            except Exception:
                return False
            return any(mark in data for mark in _MACRO_TYPES)
    return False


def _ole_is_encrypted(path: Path) -> bool:
    # An encrypted OOXML file is an OLE compound file whose directory names the streams
    # EncryptionInfo and EncryptedPackage (in UTF-16). Look through the first megabytes.
    marker = "EncryptedPackage".encode("utf-16-le")
    with open(path, "rb") as handle:
        data = handle.read(8 * 1024 * 1024)
    return marker in data


def _other_office_kind(names: set[str]) -> dict[str, str] | None:
    lower = {n.lower() for n in names}
    if any(n.startswith("word/") for n in lower):
        return {"ja": "Word 文書", "en": "a Word document"}
    if any(n.startswith("ppt/") for n in lower):
        return {"ja": "PowerPoint ファイル", "en": "a PowerPoint file"}
    if "content.xml" in lower and "mimetype" in lower:
        return {"ja": "OpenDocument ファイル(.ods など)", "en": "an OpenDocument file (.ods)"}
    return None


def _not_a_workbook(path: Path, kind: dict[str, str] | None = None, *,
                    zipped: bool = False) -> PlanError:
    name = path.name
    if kind:
        return _refuse(
            path,
            f"{name} は Excel ブックではなく {kind['ja']} です。kpi-xl template で作成した Excel "
            f"ブック(.xlsx)を指定してください。",
            f"{name} is {kind['en']}, not an Excel workbook. Expected an Excel workbook (.xlsx) "
            f"made from the kpi-xl template.")
    if zipped:
        return _refuse(
            path,
            f"{name} を Excel ブックとして開けませんでした(中にブックのない zip ファイルです)。"
            f"kpi-xl template で作成した Excel ブック(.xlsx)を指定してください。",
            f"{name} could not be opened as an Excel workbook (it is a zip archive with no "
            f"workbook inside). Expected an Excel workbook (.xlsx) made from the kpi-xl template.")
    return _refuse(
        path,
        f"{name} は Excel ブックとして読めません(中身が .xlsx 形式ではないか、壊れています)。"
        f"kpi-xl template で作成した Excel ブック(.xlsx)を指定してください。",
        f"{name} cannot be read as an Excel workbook (its content is not .xlsx, or it is "
        f"damaged). Expected an Excel workbook (.xlsx) made from the kpi-xl template.")


def _damaged(path: Path) -> PlanError:
    name = path.name
    return _refuse(
        path,
        f"{name} は壊れています(zip として読めません。途中で切れたコピーかもしれません)。"
        f"元のファイルをもう一度コピーするか、Excel で開いて保存し直してください。",
        f"{name} is damaged (it cannot be read as a zip archive; it may be a truncated copy). "
        f"Copy the original again, or open it in Excel and save it again.")
