"""The commands: ``generate``, ``batch``, ``check`` and the ``kpi-xl`` command line.

The only layer that may import every other one; Jinja2 and pandas are imported here only.
"""
