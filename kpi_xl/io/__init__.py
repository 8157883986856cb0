"""Reading and guarding files: the only layer that imports openpyxl and defusedxml.

Safety checks before parsing, the plan reader, the saved-workbook reader, last quarter's
workbooks, overwrite protection, atomic moves and backups, bundled resources. Imports only
:mod:`kpi_xl.core` among kpi_xl's packages.
"""
