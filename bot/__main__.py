"""`python -m bot` is the `paperbot` command."""

import sys

from bot.cli import main

sys.exit(main())
