"""glance-api whose periodic maintenance is tests.functional.apps.maintenance,
for the maintenance tests of tests/functional/test_server.py:

    python -m tests.functional.api_with_maintenance --config-file FILE
"""

import sys

from glance.cmd import api  # first: it monkey-patches
from glance.cmd import serve
from tests.functional import apps

if __name__ == '__main__':
    sys.exit(serve.run(api.PROGRAM, api.DEFAULT_PORT, sys.argv[1:],
                       maintenance=apps.maintenance))
