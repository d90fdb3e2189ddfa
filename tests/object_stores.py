"""The swift and s3 stores' options for the test Swift (tests/swift_server.py)
and what one of its containers or buckets holds: one definition for the
drivers' unit tests and glance-api's functional tests."""

import uuid

from tests import swift_server


def unique_name():
    """A container or bucket name no other test uses."""
    return 'glance-%s' % uuid.uuid4().hex[:12]


def write_references(path, auth_url, key=swift_server.KEY):
    """glance-swift.conf at ``path``: reference ``ref1``, the tempauth test
    user at ``auth_url`` with ``key``."""
    path.write_text('[ref1]\nauth_address = %s\nuser = %s\nkey = %s\n'
                    'auth_version = 1\n' % (auth_url, swift_server.USER, key))
    return path


def swift_options(container, **options):
    """[glance_store] options writing to ``container`` (created if need
    be): large objects from 1 MiB, in segments of 1 MiB, so that a few MiB
    make several."""
    return dict({'swift_store_container': container,
                 'swift_store_create_container_on_put': True,
                 'swift_store_large_object_size': 1,
                 'swift_store_large_object_chunk_size': 1}, **options)


def s3_options(host, bucket, **options):
    """[glance_store] options writing to ``bucket`` (created if need be)
    on the S3 API at ``host`` as the test user, path-style: multipart from
    5 MiB, in the smallest parts the driver allows (5 MiB)."""
    return dict({'s3_store_host': host,
                 's3_store_access_key': swift_server.USER,
                 's3_store_secret_key': swift_server.KEY,
                 's3_store_region_name': swift_server.S3_REGION,
                 's3_store_bucket': bucket,
                 's3_store_bucket_url_format': 'path',
                 's3_store_create_bucket_on_put': True,
                 's3_store_large_object_size': 5,
                 's3_store_large_object_chunk_size': 5}, **options)


def names_in(client, container):
    """The sorted object names in ``container`` (none if it is missing),
    through the swiftclient Connection ``client``."""
    import swiftclient
    try:
        return sorted(o['name'] for o in client.get_container(
            container, full_listing=True)[1])
    except swiftclient.ClientException as e:
        assert e.http_status == 404
        return []


def keys_in(client, bucket):
    """The sorted keys in ``bucket`` (none if it is missing), through the
    boto3 client ``client``."""
    try:
        return sorted(o['Key'] for o in client.list_objects_v2(
            Bucket=bucket).get('Contents', ()))
    except client.exceptions.NoSuchBucket:
        return []


def uploads_in(client, bucket):
    """The multipart uploads under way in ``bucket`` (none if it is
    missing)."""
    try:
        return client.list_multipart_uploads(Bucket=bucket).get(
            'Uploads', [])
    except client.exceptions.NoSuchBucket:
        return []
