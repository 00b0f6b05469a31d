"""``python -m mlopslab``."""

import sys

from .tools.cli import main

sys.exit(main())
