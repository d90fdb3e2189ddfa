"""Metadata workloads: create, show, list (default page, filters, full
paging) and show requests per second, at two catalogue sizes.

Images are created through the API (the create rate is measured there);
to reach the large size the benchmark copies those rows straight into the
server's SQLite database (``clone_images``): every row of ``images`` and of
its child tables (properties, tags, locations, members) for a template
image, under a new id.  Both servers keep Glance's table names, so one
schema-agnostic copy, driven by each database's own column lists, serves
both.  One image in ten is made ``active`` the same way, so a status
filter selects a tenth of the catalogue, as tag and property filters do.
"""

import random
import sqlite3
import statistics
import time
import uuid

from client import Api, wrk
import servers

CHILD_TABLES = ('image_properties', 'image_tags', 'image_locations',
                'image_members')
GROUPS = 10


def attributes(number):
    """The attributes of image ``number``: its group picks a tag and a
    property value shared by a tenth of the images."""
    group = number % GROUPS
    return {'name': 'img-%06d' % number,
            'disk_format': ('raw', 'qcow2')[number % 2],
            'container_format': 'bare',
            'tags': ['bench', 'group-%d' % group],
            'os_distro': 'distro-%d' % group,
            'min_ram': 512 * group}


def create_images(server, first, count):
    """Create images ``first`` .. ``first + count - 1``; (ids, seconds)."""
    api = Api(server.url)
    ids = []
    started = time.perf_counter()
    for number in range(first, first + count):
        ids.append(api.create_image(**attributes(number)))
    seconds = time.perf_counter() - started
    api.close()
    return ids, seconds


def _columns(db, table):
    return [row[1] for row in db.execute('PRAGMA table_info(%s)' % table)]


def _existing_tables(db):
    return {row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def clone_images(database, template_ids, first, count):
    """Insert ``count`` copies of the template images, numbered from
    ``first`` (name ``img-NNNNNN``), with all their child rows."""
    db = sqlite3.connect(database, timeout=60)
    try:
        image_columns = _columns(db, 'images')
        tables = [t for t in CHILD_TABLES if t in _existing_tables(db)]
        children = {t: [c for c in _columns(db, t) if c != 'id']
                    for t in tables}
        templates = {}
        for image_id in template_ids:
            row = db.execute('SELECT %s FROM images WHERE id = ?'
                             % ', '.join(image_columns), (image_id,)).fetchone()
            rows = {t: db.execute('SELECT %s FROM %s WHERE image_id = ?'
                                  % (', '.join(children[t]), t),
                                  (image_id,)).fetchall() for t in tables}
            templates[image_id] = (row, rows)
        id_at = image_columns.index('id')
        name_at = image_columns.index('name')
        new_images = []
        new_children = {t: [] for t in tables}
        for offset in range(count):
            template = template_ids[(first + offset) % len(template_ids)]
            row, rows = templates[template]
            new_id = str(uuid.uuid4())
            row = list(row)
            row[id_at] = new_id
            row[name_at] = 'img-%06d' % (first + offset)
            new_images.append(row)
            for table in tables:
                at = children[table].index('image_id')
                for child in rows[table]:
                    child = list(child)
                    child[at] = new_id
                    new_children[table].append(child)
        with db:
            db.executemany('INSERT INTO images (%s) VALUES (%s)' % (
                ', '.join(image_columns), ', '.join('?' * len(image_columns))),
                new_images)
            for table in tables:
                columns = children[table]
                db.executemany('INSERT INTO %s (%s) VALUES (%s)' % (
                    table, ', '.join(columns), ', '.join('?' * len(columns))),
                    new_children[table])
    finally:
        db.close()


def activate_a_tenth(database):
    """Images whose name ends in 0 become ``active`` (status filter)."""
    db = sqlite3.connect(database, timeout=60)
    with db:
        db.execute("UPDATE images SET status = 'active', size = 1024, "
                   "checksum = '0123456789abcdef0123456789abcdef' "
                   "WHERE name LIKE 'img-%0' AND status = 'queued'")
    db.close()


def latencies(server, paths, budget_seconds=15, at_least=10):
    """(p50 ms, p99 ms) over ``paths`` requested in turn; stops early once
    ``budget_seconds`` have passed and ``at_least`` requests were made."""
    api = Api(server.url)
    times = []
    give_up_at = time.monotonic() + budget_seconds
    for path in paths:
        times.append(api.call('GET', path)[2] * 1000)
        if len(times) >= at_least and time.monotonic() > give_up_at:
            break
    api.close()
    times.sort()
    return (statistics.median(times),
            times[min(len(times) - 1, int(len(times) * 0.99))])


def full_paging(server, limit=1000):
    """(seconds, images) to walk every page of ``limit`` images."""
    api = Api(server.url)
    path = '/v2/images?limit=%d' % limit
    seen = 0
    started = time.perf_counter()
    while path:
        page = api.call('GET', path)[1]
        seen += len(page['images'])
        path = page.get('next')
    seconds = time.perf_counter() - started
    api.close()
    return seconds, seen


def show_paths(ids, count, seed=7):
    chooser = random.Random(seed)
    return ['/v2/images/' + chooser.choice(ids) for _ in range(count)]


LIST_FILTERS = {
    'name': '/v2/images?name=img-000042',
    'status': '/v2/images?status=active',
    'tag': '/v2/images?tag=group-3',
    'property': '/v2/images?os_distro=distro-3',
}


def show_rps(server, image_id, seconds, connections=16):
    """(requests/s, server CPU ms per request) of shows at ``connections``
    connections for ``seconds``."""
    pids = server.pids()
    cpu_before = servers.cpu_seconds(pids)
    rps = wrk('%s/v2/images/%s' % (server.url, image_id), connections,
              seconds)
    cpu = servers.cpu_seconds(pids) - cpu_before
    return rps, cpu * 1000 / (rps * seconds)
