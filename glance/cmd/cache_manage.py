"""glance-cache-manage: the image cache of a glance-api, through its v1
cache management API (the cachemanagement flavors), with glance.client.

    glance-cache-manage [options] list-cached
    glance-cache-manage [options] list-queued
    glance-cache-manage [options] queue-image IMAGE_ID
    glance-cache-manage [options] delete-cached-image IMAGE_ID
    glance-cache-manage [options] delete-all-cached-images
    glance-cache-manage [options] delete-queued-image IMAGE_ID
    glance-cache-manage [options] delete-all-queued-images

Options are Glance's: -H/--host, -p/--port, -A/--os-auth-token (or
OS_AUTH_TOKEN), -k/--insecure, --use-ssl, -f/--force (no confirmation),
-v/--verbose, -d/--debug.  Errors go to stderr with the server's message
and request id; the exit status is 1.
"""

import argparse
import datetime
import os
import sys

from glance import client as client_mod

COMMANDS = {}


def command(name, summary, takes_image=False, confirm=None):
    def register(func):
        COMMANDS[name] = (func, summary, takes_image, confirm)
        return func
    return register


def _time(timestamp):
    if not timestamp:
        return 'N/A'
    return datetime.datetime.fromtimestamp(
        timestamp, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')


@command('list-cached', 'List the images in the cache.')
def list_cached(client, args, out):
    images = client.get_cached_images()
    if not images:
        out.write('No cached images.\n')
        return
    out.write('Found %d cached images...\n' % len(images))
    row = '%-36s  %-19s  %-19s  %14s  %6s\n'
    out.write(row % ('ID', 'Last Accessed (UTC)', 'Last Modified (UTC)',
                     'Size', 'Hits'))
    out.write(row % ('-' * 36, '-' * 19, '-' * 19, '-' * 14, '-' * 6))
    for image in images:
        out.write(row % (image['image_id'], _time(image['last_accessed']),
                         _time(image['last_modified']), image['size'],
                         image['hits']))


@command('list-queued', 'List the images queued for caching.')
def list_queued(client, args, out):
    images = client.get_queued_images()
    if not images:
        out.write('No queued images.\n')
        return
    out.write('Found %d queued images...\n' % len(images))
    for image_id in images:
        out.write('%s\n' % image_id)


# Commands that change the cache: client method, help, whether they take
# an image id, the confirmation question, what --verbose says (of the
# image id, or of the count the client returns).
CHANGES = {
    'queue-image': (
        'queue_image_for_caching',
        'Queue an image for caching by the prefetcher.', True,
        'Queue image %(image_id)s for caching?',
        'Queued image %s for caching'),
    'delete-cached-image': (
        'delete_cached_image', 'Remove an image from the cache.', True,
        'Delete cached image %(image_id)s?', 'Deleted cached image %s'),
    'delete-all-cached-images': (
        'delete_all_cached_images', 'Remove every image from the cache.',
        False, 'Delete all cached images?', 'Deleted %d cached images'),
    'delete-queued-image': (
        'delete_queued_image', 'Remove an image from the queue.', True,
        'Delete queued image %(image_id)s?', 'Deleted queued image %s'),
    'delete-all-queued-images': (
        'delete_all_queued_images', 'Empty the queue.', False,
        'Delete all queued images?', 'Deleted %d queued images'),
}


def _change(method, takes_image, done):
    def run(client, args, out):
        arguments = [args.image_id] if takes_image else []
        result = getattr(client, method)(*arguments)
        if args.verbose:
            out.write(done % (args.image_id if takes_image else result)
                      + '\n')
    return run


for _name, (_method, _summary, _takes_image, _confirm, _done) in \
        CHANGES.items():
    command(_name, _summary, _takes_image, _confirm)(
        _change(_method, _takes_image, _done))


def parser():
    parser = argparse.ArgumentParser(
        prog='glance-cache-manage',
        description='Manage the image cache of a glance-api.')
    parser.add_argument('-H', '--host', default='0.0.0.0', metavar='ADDRESS',
                        help='Address of the glance-api (default: '
                             '%(default)s).')
    parser.add_argument('-p', '--port', type=int,
                        default=client_mod.DEFAULT_PORT,
                        help='Port of the glance-api (default: '
                             '%(default)s).')
    parser.add_argument('-A', '--os-auth-token', '--auth_token',
                        dest='auth_token',
                        default=os.environ.get('OS_AUTH_TOKEN'),
                        help='Keystone token (default: $OS_AUTH_TOKEN).')
    parser.add_argument('--use-ssl', action='store_true',
                        help='Talk HTTPS to the glance-api.')
    parser.add_argument('-k', '--insecure', action='store_true',
                        help='With --use-ssl, do not verify the server '
                             'certificate.')
    parser.add_argument('-f', '--force', action='store_true',
                        help='Do not ask for confirmation.')
    parser.add_argument('-v', '--verbose', action='store_true',
                        help='Say what was done.')
    parser.add_argument('-d', '--debug', action='store_true',
                        help='Show the full error on failure.')
    commands = parser.add_subparsers(dest='command', required=True,
                                     metavar='COMMAND')
    for name, (_, summary, takes_image, _) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        if takes_image:
            sub.add_argument('image_id', metavar='IMAGE_ID')
    return parser


def _confirmed(question, stdin, out):
    out.write('%s [y/N] ' % question)
    out.flush()
    answer = stdin.readline().strip().lower()
    return answer in ('y', 'yes')


def main(argv=None, stdin=None, out=None, err=None):
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    args = parser().parse_args(argv)
    func, _, _, confirm = COMMANDS[args.command]
    if confirm and not args.force and not _confirmed(
            confirm % vars(args), stdin, out):
        out.write('Not confirmed: nothing done.\n')
        return 1
    client = client_mod.V1Client(
        args.host, args.port, use_ssl=args.use_ssl, insecure=args.insecure,
        auth_token=args.auth_token)
    try:
        func(client, args, out)
    except client_mod.ClientException as error:
        err.write('glance-cache-manage %s failed: %s\n' % (args.command,
                                                           error))
        if args.debug:
            raise
        return 1
    return 0


def console_main():
    sys.exit(main())
