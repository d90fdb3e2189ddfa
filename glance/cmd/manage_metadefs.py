"""glance-manage's metadefs commands, with Glance's names and flags:

    glance-manage db load_metadefs [--path DIR] [--merge] [--prefer_new]
                                   [--overwrite]
    glance-manage db unload_metadefs
    glance-manage db export_metadefs [--path DIR]

``load_metadefs`` reads every ``*.json`` file of DIR (one namespace each,
the format of ``etc/metadefs/``); a namespace already in the database is
skipped unless ``--merge`` (see glance.domain.metadefs.catalog.load).
``export_metadefs`` writes one file per namespace, in the same format,
so that exporting and loading again gives the same definitions.
``unload_metadefs`` removes every namespace.  They act on the database of
``[database] connection`` directly.
"""

import json
import os

from oslo_config import cfg

from glance.common import exception
from glance.db import metadefs as db_metadefs
from glance.db import session as db_session
from glance.domain.metadefs import catalog
from glance.domain.metadefs import entities

CONF = cfg.CONF

DEFAULT_PATH = '/etc/glance/metadefs'


def _repository():
    return db_metadefs.SqlMetadefRepository(db_session.get_engine())


def dumps(definition):
    """A definition file's text."""
    return json.dumps(definition.to_dict(), indent=4,
                      ensure_ascii=False) + '\n'


def file_name(namespace):
    return namespace.replace('/', '_') + '.json'


def read_definitions(path):
    """The Definitions of the JSON files of ``path``, by file name."""
    if not os.path.isdir(path):
        raise exception.ConfigError('%s is not a directory.' % path)
    definitions = []
    for name in sorted(os.listdir(path)):
        if not name.endswith('.json'):
            continue
        try:
            with open(os.path.join(path, name), encoding='utf-8') as f:
                definitions.append(entities.Definition.from_dict(
                    json.load(f)))
        except (ValueError, exception.Invalid, exception.Conflict) as error:
            raise exception.ConfigError('%s: %s' % (name, error)) from None
    return definitions


def load_metadefs():
    args = CONF.command
    repo = _repository()
    for definition in read_definitions(args.path):
        outcome = catalog.load(repo, definition, merge=args.merge,
                               prefer_new=args.prefer_new,
                               overwrite=args.overwrite)
        print('%s: %s' % (definition.namespace.namespace, outcome))


def unload_metadefs():
    _repository().delete_all()
    print('Metadata definitions removed.')


def export_metadefs():
    path = CONF.command.path
    os.makedirs(path, exist_ok=True)
    definitions = catalog.export(_repository())
    for definition in definitions:
        target = os.path.join(path, file_name(definition.namespace.namespace))
        with open(target, 'w', encoding='utf-8') as f:
            f.write(dumps(definition))
    print('%d namespaces exported to %s.' % (len(definitions), path))


def add_parsers(db_commands, top_level):
    """The commands under ``db``, and Glance's older spellings
    (``db_load_metadefs``...) at ``top_level``."""
    for parsers, prefix in ((db_commands, ''), (top_level, 'db_')):
        load = parsers.add_parser(
            prefix + 'load_metadefs',
            help='Load the metadata definition files of a directory.')
        load.add_argument('--path', default=DEFAULT_PATH,
                          help='Directory of the JSON files.')
        load.add_argument('--merge', action='store_true',
                          help='Merge files with namespaces already in the '
                               'database, keeping what the database has.')
        load.add_argument('--prefer_new', action='store_true',
                          help='With --merge, take what the files have '
                               'over what the database has.')
        load.add_argument('--overwrite', action='store_true',
                          help='With --merge --prefer_new, replace the '
                               'contents of namespaces with the files\'.')
        load.set_defaults(action=load_metadefs)
        parsers.add_parser(
            prefix + 'unload_metadefs',
            help='Remove every metadata definition.').set_defaults(
            action=unload_metadefs)
        export = parsers.add_parser(
            prefix + 'export_metadefs',
            help='Write every namespace to a JSON file of a directory.')
        export.add_argument('--path', default=DEFAULT_PATH,
                            help='Directory to write the files to.')
        export.set_defaults(action=export_metadefs)
