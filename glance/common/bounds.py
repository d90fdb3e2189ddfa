"""The largest numbers the database's columns hold.

Every number a request carries is bounded by the column that will hold it,
as Glance bounds it: one too large is the client's error (400), not the
database's (500).
"""

# INTEGER columns: min_ram, min_disk.
MAX_INTEGER = 2 ** 31 - 1
# BIGINT columns: sizes; so also the largest Content-Length.
MAX_BIGINT = 2 ** 63 - 1
