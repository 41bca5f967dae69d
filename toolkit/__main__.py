"""``python -m toolkit`` runs the ``nsmap`` command line."""

import sys

from toolkit.run import main

sys.exit(main())
