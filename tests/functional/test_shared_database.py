"""Two glance-api servers on one database stay consistent under concurrent
writers, on SQLite, PostgreSQL and MySQL.

One server runs in a single process (concurrency between green threads),
the other with two workers (between processes); both use the same
database and the same image directory, as servers behind a load balancer
do.  Every request of a race waits at a barrier so that they all reach the
servers together, and alternate between the two servers.
"""

import concurrent.futures
import hashlib
import threading

import pytest
import requests

PATCH = 'application/openstack-images-v2.1-json-patch'
CONTENDERS = 12


@pytest.fixture
def servers(databases, make_api_server, tmp_path):
    conf = {'database': {'connection': databases.migrated()},
            'glance_store': {'filesystem_store_datadir': tmp_path / 'images'}}
    return (make_api_server(conf=conf, workers=0),
            make_api_server(conf=conf, workers=2))


def race(servers, request):
    """``request(server, n)`` for n in range(CONTENDERS), all at once, the
    n-th on servers[n % 2]; the responses in the order of n."""
    barrier = threading.Barrier(CONTENDERS)

    def contend(number):
        barrier.wait()
        return request(servers[number % 2], number)

    with concurrent.futures.ThreadPoolExecutor(CONTENDERS) as pool:
        return list(pool.map(contend, range(CONTENDERS)))


def create(server, **body):
    response = requests.post(server.url + '/v2/images', json=body)
    assert response.status_code == 201, response.text
    return response.json()['id']


def show(server, image_id):
    return requests.get('%s/v2/images/%s' % (server.url, image_id))


def statuses(responses):
    return sorted(response.status_code for response in responses)


def stored_files(tmp_path):
    return sorted(path.name for path in (tmp_path / 'images').iterdir())


def test_concurrent_uploads_let_exactly_one_win(servers, tmp_path):
    image_id = create(servers[0], disk_format='raw', container_format='bare')
    payloads = [b'%02d' % number * 32768 for number in range(CONTENDERS)]

    responses = race(servers, lambda server, number: requests.put(
        '%s/v2/images/%s/file' % (server.url, image_id),
        data=payloads[number],
        headers={'Content-Type': 'application/octet-stream'}))

    assert statuses(responses) == [204] + [409] * (CONTENDERS - 1)
    winner = payloads[[response.status_code
                       for response in responses].index(204)]
    for server in servers:
        image = show(server, image_id).json()
        assert image['status'] == 'active'
        assert image['checksum'] == hashlib.md5(winner).hexdigest()
        assert image['os_hash_value'] == hashlib.sha512(winner).hexdigest()
        assert image['size'] == len(winner)
        data = requests.get('%s/v2/images/%s/file' % (server.url, image_id))
        assert data.status_code == 200 and data.content == winner
    assert stored_files(tmp_path) == [image_id]


def test_concurrent_tag_adds_from_both_servers_all_stay(servers):
    image_id = create(servers[0], tags=['original'])

    responses = race(servers, lambda server, number: requests.put(
        '%s/v2/images/%s/tags/tag-%d' % (server.url, image_id, number)))

    assert statuses(responses) == [204] * CONTENDERS
    expected = {'original'} | {'tag-%d' % n for n in range(CONTENDERS)}
    for server in servers:
        assert set(show(server, image_id).json()['tags']) == expected


def test_concurrent_patches_from_both_servers_all_stay(servers):
    image_id = create(servers[0], name='original', kept='yes')

    def patch(server, number):
        changes = [{'op': 'add', 'path': '/property_%d' % number,
                    'value': str(number)}]
        if number == 0:
            changes.append({'op': 'replace', 'path': '/name',
                            'value': 'renamed'})
        if number == 1:
            changes.append({'op': 'replace', 'path': '/min_ram',
                            'value': 512})
        if number == 2:
            changes.append({'op': 'remove', 'path': '/kept'})
        return requests.patch(
            '%s/v2/images/%s' % (server.url, image_id), json=changes,
            headers={'Content-Type': PATCH})

    responses = race(servers, patch)

    assert statuses(responses) == [200] * CONTENDERS
    for server in servers:
        image = show(server, image_id).json()
        assert (image['name'], image['min_ram']) == ('renamed', 512)
        assert 'kept' not in image
        assert {name: image.get(name) for name in (
            'property_%d' % n for n in range(CONTENDERS))} == {
            'property_%d' % n: str(n) for n in range(CONTENDERS)}


def test_concurrent_deletes_let_exactly_one_succeed(servers, tmp_path):
    image_id = create(servers[1], disk_format='raw', container_format='bare')
    uploaded = requests.put(
        '%s/v2/images/%s/file' % (servers[1].url, image_id), data=b'x' * 4096,
        headers={'Content-Type': 'application/octet-stream'})
    assert uploaded.status_code == 204

    responses = race(servers, lambda server, number: requests.delete(
        '%s/v2/images/%s' % (server.url, image_id)))

    assert statuses(responses) == [204] + [404] * (CONTENDERS - 1)
    for server in servers:
        assert show(server, image_id).status_code == 404
    assert stored_files(tmp_path) == []
