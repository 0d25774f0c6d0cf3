"""``python -m deepgrad ...``: the same as the ``deepgrad`` command (``deepgrad.cli.main``)."""

import sys

from .cli import main

sys.exit(main())
