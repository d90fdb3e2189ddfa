"""The SQL repository's own tests, run on the registry repository.

The test functions and fixtures of tests/unit/db are imported, not copied:
with ``repo`` here being the registry repository (conftest.py) over a
registry on the same ``engine``, every behaviour they check of the SQL
repository (errors, conditional transitions, paging, visibility, members,
quotas kept against concurrent writers, tasks) is checked through the
registry API and its client too.
"""

from tests.unit.db.test_members import *  # noqa: F401,F403
from tests.unit.db.test_quotas import *  # noqa: F401,F403
from tests.unit.db.test_repository import *  # noqa: F401,F403
from tests.unit.db.test_tasks import *  # noqa: F401,F403

# These are about SQL itself (query plans on a server, its isolation level)
# and build a repository of their own: nothing of the registry is in them.
del test_transitions_conflict_where_the_server_isolation_is_serializable  # noqa: F821,E501
del test_default_listing_reads_pages_from_the_created_at_index  # noqa: F821
del test_pages_are_read_in_order_from_the_sort_key_index  # noqa: F821
