"""Reading and guarding files: the only layer that imports openpyxl and defusedxml.

Safety checks before parsing, the plan reader, the saved-workbook reader, last quarter's
workbooks, overwrite protection, atomic moves and backups, bundled resources. Imports only
:mod:`kpi_xl.core` among kpi_xl's packages.
"""

import os as _os

# openpyxl parses with lxml, not defusedxml, whenever lxml is installed (openxml-audit and many
# data tools bring it). kpi_xl reads untrusted files, so it asks openpyxl for the defused parser
# before openpyxl is first imported; a user who sets OPENPYXL_LXML themselves keeps their choice.
_os.environ.setdefault("OPENPYXL_LXML", "False")
