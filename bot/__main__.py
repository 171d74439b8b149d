"""`python -m bot` is the `paperbot` command."""

import sys

from bot.runtime.cli import main

sys.exit(main())
