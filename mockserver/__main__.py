"""`python -m mockserver`: see `mockserver.cli`."""

import sys

from .cli import main

sys.exit(main())
