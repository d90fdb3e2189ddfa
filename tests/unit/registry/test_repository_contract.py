"""The SQL repository's own tests, run on the registry repository.

The test functions and fixtures of tests/unit/db are imported, not copied:
with ``repo`` here being the registry repository (conftest.py) over a
registry on the same ``engine``, every behaviour they check of the SQL
repository (errors, conditional transitions, paging, visibility, members)
is checked through the registry API and its client too.
"""

from tests.unit.db.test_members import *  # noqa: F401,F403
from tests.unit.db.test_repository import *  # noqa: F401,F403
