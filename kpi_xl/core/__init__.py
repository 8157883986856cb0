"""The pure core: standard library only, no I/O.

Expressions (formula text and Python value from one definition), Excel's maths, the fiscal
calendar, the funnel, measures, benchmarks, KPI records, input specs, plan values, SMART, the KPI
tree, failure analysis, the pure half of roll-forward and of ``check``, the UDF bodies, the
departments registry and every user-facing text. It runs unchanged in Pyodide: this folder is
what xlwings Lite vendors. ``tests/test_architecture.py`` keeps it pure.
"""
