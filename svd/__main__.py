"""``python -m svd``: the analyst's command line."""

import sys

from svd.cli import main

sys.exit(main())
