"""kpi_xl: KPI planning workbooks with live formulas, SMART checks and KPI trees.

The package root stays light: importing ``kpi_xl`` loads nothing heavy (no openpyxl, XlsxWriter,
pandas or xlwings); each face (CLI, writer, reader, UDFs) imports what it needs when used.
"""

__version__ = "0.1.0"
