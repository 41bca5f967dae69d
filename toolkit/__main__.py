"""``python -m toolkit`` runs the ``nsmap`` command line."""

import sys

from toolkit.cli import main

sys.exit(main())
