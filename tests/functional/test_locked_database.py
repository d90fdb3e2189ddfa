"""A glance-api whose SQLite database another process holds write-locked.

Writes wait for the lock without stopping the worker: requests that need no
database, and reads, are answered meanwhile.  A write still waiting after
``[database] sqlite_busy_timeout`` is refused with 503.
"""

import concurrent.futures
import os
import sqlite3
import time

import requests

# Seconds a request not waiting for the lock may take on a busy machine.
PROMPT = 5
# Writes waiting together: more than a connection pool would hold.
WRITERS = 20


def hold_write_lock(server):
    """A connection of this process holding the database's write lock."""
    holder = sqlite3.connect(os.path.join(server.data_dir, 'glance.sqlite'),
                             isolation_level=None)
    holder.execute('BEGIN IMMEDIATE')
    return holder


def create(server):
    return requests.post(server.url + '/v2/images', json={'name': 'waiting'},
                         timeout=60)


def test_writes_wait_for_the_lock_while_the_worker_answers_others(
        make_api_server):
    server = make_api_server()
    image_id = create(server).json()['id']
    holder = hold_write_lock(server)
    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        try:
            writes = [pool.submit(create, server) for _ in range(WRITERS)]
            time.sleep(1)

            for path, status in (('/', 300), ('/versions', 200)):
                assert requests.get(server.url + path, timeout=PROMPT) \
                    .status_code == status
            assert requests.get(server.url + '/v2/images/' + image_id,
                                timeout=PROMPT).json()['id'] == image_id
            listed = requests.get(server.url + '/v2/images', timeout=PROMPT)
            assert [image['id'] for image in listed.json()['images']] == \
                [image_id]
            assert not any(write.done() for write in writes)
        finally:
            holder.rollback()
            holder.close()

        assert [write.result().status_code for write in writes] == \
            [201] * WRITERS
    listed = requests.get(server.url + '/v2/images', timeout=PROMPT)
    assert len(listed.json()['images']) == WRITERS + 1


def test_a_write_waiting_beyond_the_limit_is_refused_with_503(
        make_api_server):
    server = make_api_server(conf={'database': {'sqlite_busy_timeout': 1}})
    holder = hold_write_lock(server)
    try:
        started = time.monotonic()
        refused = create(server)
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()

    assert refused.status_code == 503, refused.text
    assert 'database' in refused.text
    assert 1 <= waited < 1 + PROMPT
    assert requests.get(server.url + '/v2/images', timeout=PROMPT) \
        .json()['images'] == []
    assert create(server).status_code == 201
