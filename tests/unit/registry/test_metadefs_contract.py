"""The SQL MetadefRepository's tests, run on the registry one (as
test_repository_contract does for images)."""

from tests.unit.db.test_metadefs import *  # noqa: F401,F403

# unload_metadefs acts on the database alone; the registry has no route
# for it.
del test_delete_all_keeps_protected_resource_types  # noqa: F821
# The registry runs on SQLite here, which holds names of any length.
del test_names_the_columns_cannot_hold_are_refused  # noqa: F821
