"""Workbook writing (XlsxWriter). Imported only when a workbook or template is written."""
