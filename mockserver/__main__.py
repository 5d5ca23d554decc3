"""`python -m mockserver`: see `mockserver.cli`."""

import gc
import sys

# Start-up allocates only objects that live as long as the process (modules, the spec, validators):
# collecting while importing finds nothing to free and costs several milliseconds of every start.
gc.disable()
try:
    from .cli import main
finally:
    gc.enable()

sys.exit(main())
