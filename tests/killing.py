"""A run killed mid-commit, for the tests of the all-or-nothing commit.

``DIE_ON_THIRD_RENAME`` is Python source for ``python -c``: it makes the third workbook's move
into place end the process at once (as ``kill -9``: no clean-up code runs). Append the code that
generates to it.
"""

DIE_ON_THIRD_RENAME = """
import os, sys
from pathlib import Path
from kpi_xl.io import files
real = os.replace
count = [0]
def replace(src, dst):
    if str(src).endswith(".new.tmp") and not str(dst).endswith(".tmp"):
        count[0] += 1
        if count[0] == 3:
            os._exit(9)  # as kill -9: no clean-up runs
    real(src, dst)
files.os.replace = replace
"""
