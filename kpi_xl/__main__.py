"""``python -m kpi_xl`` runs the command line."""

import sys

from kpi_xl.app.cli import main

sys.exit(main())
