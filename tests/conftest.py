"""Fixtures every test may use: the databases of tests/databases.py, the
disk images of tests/disk_images.py."""

from tests.databases import database_url, databases  # noqa: F401
from tests.databases import shared_databases, sqlite_engine  # noqa: F401
from tests.disk_images import real_images  # noqa: F401
