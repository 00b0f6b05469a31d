"""``python -m mlopslab``."""

import sys

from .cli import main

sys.exit(main())
