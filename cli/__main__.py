"""`python -m cli ARGS`: the same as `desk ARGS`, for a checkout without the script."""

import sys

from cli.main import main

sys.exit(main())
