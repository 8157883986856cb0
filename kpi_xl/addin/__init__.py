"""The spreadsheet add-in: the only layer that imports xlwings.

:mod:`kpi_xl.addin.udfs` puts xlwings' decorators over the pure function bodies in
:mod:`kpi_xl.core.functions`; :mod:`kpi_xl.addin.setup` writes what classic xlwings (Windows)
and xlwings Lite (Mac, web) need. Imports only :mod:`kpi_xl.core` among kpi_xl's packages.
"""
