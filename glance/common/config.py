"""Options shared by the whole service, and loading of the paste pipeline.

Options that belong to one module (server sockets, database, stores, logging)
are declared in that module; this one holds the API-wide ones.  Every option
is listed for the sample generator in ``glance.opts``.
"""

import os

from oslo_config import cfg
from paste import deploy

from glance.common import bounds
from glance.common import exception

CONF = cfg.CONF

paste_deploy_opts = [
    cfg.StrOpt('flavor',
               help='Pipeline flavor: the server loads the pipeline named '
                    '"<program>-<flavor>" from the paste config file, for '
                    'example "keystone", "caching", "keystone+caching", '
                    '"cachemanagement", "keystone+cachemanagement" or '
                    '"trusted-auth".  Unset selects the plain pipeline.'),
    cfg.StrOpt('config_file',
               help='Path of the paste config file.  By default the last '
                    '--config-file with ".conf" replaced by "-paste.ini", '
                    'looked up in the configuration directories.'),
]

# Both glance-api and glance-registry page image lists.
listing_opts = [
    cfg.IntOpt('limit_param_default', default=25, min=1,
               help='Page size of an image list when the request gives no '
                    'limit.'),
    cfg.IntOpt('api_limit_max', default=1000, min=1,
               help='Largest page an image list returns, whatever limit the '
                    'request asks for.'),
]

image_opts = [
    cfg.IntOpt('image_size_cap', default=1099511627776, min=1,
               max=bounds.MAX_BIGINT,
               help='Largest image, in bytes, that may be uploaded.  '
                    'Enforced while the data streams; larger uploads get '
                    '413 and leave nothing stored.'),
    cfg.StrOpt('hashing_algorithm', default='sha512',
               help='hashlib algorithm for os_hash_value, computed while '
                    'image data is uploaded.'),
    cfg.BoolOpt('show_image_direct_url', default=False,
                help='Show the storage URI of active images as "direct_url" '
                     'in v2 responses.  It may reveal store layout.'),
    cfg.BoolOpt('show_multiple_locations', default=False,
                deprecated_for_removal=True,
                deprecated_reason='Image API 2.17 adds POST and GET '
                                  '/v2/images/{image_id}/locations for the '
                                  'services that need locations.',
                help='Show every location of an image as "locations" in v2 '
                     'responses (to callers policy get_image_location '
                     'allows), and let JSON-patch add, replace and remove '
                     'them (policies set_image_location and '
                     'delete_image_location).  Locations may reveal store '
                     'layout and credentials: see OSSN-0065 and OSSN-0090.'),
    cfg.BoolOpt('do_secure_hash', default=True,
                help='After POST /v2/images/{image_id}/locations, read the '
                     'data at the new location in the background to compute '
                     'its checksum and os_hash_value (and check them against '
                     'the validation_data given).  Off: the image is active '
                     'with the validation_data as given, or without hashes.'),
    cfg.IntOpt('http_retries', default=3, min=0,
               help='How many more times the background hashing of a new '
                    'location reads the data after a read fails.'),
    cfg.IntOpt('image_property_quota', default=128,
               help='Most extra properties one image may carry; negative '
                    'means unlimited.'),
    cfg.IntOpt('image_tag_quota', default=128,
               help='Most tags one image may carry; negative means '
                    'unlimited.'),
    cfg.IntOpt('image_member_quota', default=128,
               help='Most members one image may be shared with; negative '
                    'means unlimited.'),
    cfg.IntOpt('image_location_quota', default=10,
               help='Most locations one image may have; negative means '
                    'unlimited.'),
    cfg.StrOpt('user_storage_quota', default='0',
               help='Most image data one owner (the caller\'s project, or '
                    'user with owner_is_tenant = false) may store, as a '
                    'number of bytes optionally followed, without a space, '
                    'by a unit: B, KB, MB, GB or TB (powers of 1024).  Every '
                    'location of an image not killed or deleted counts its '
                    'size.  Enforced while the data streams; beyond it an '
                    'upload gets 413 and leaves nothing stored.  0 means '
                    'unlimited.'),
    cfg.BoolOpt('use_keystone_limits', default=False,
                help='Enforce the per-project limits registered in Keystone '
                     '(unified limits) for the image service: '
                     'image_size_total and image_stage_total (MiB), '
                     'image_count_total and image_count_uploading (see '
                     'doc/quotas.md).  Keystone is reached with the options '
                     'of [oslo_limit]; every limit must be registered '
                     'there.  user_storage_quota is then ignored.'),
    cfg.StrOpt('public_endpoint',
               help='Public URL of this API, used in the versions document '
                    'and in links when the service sits behind a proxy.'),
    cfg.ListOpt('enabled_import_methods',
                default=['glance-direct', 'web-download', 'copy-image'],
                help='Image import methods this site accepts (see '
                     'doc/import.md): glance-direct, web-download, '
                     'copy-image, glance-download.  Listed by '
                     '/v2/info/import and in the '
                     'OpenStack-image-import-methods header of image '
                     'creation responses.'),
    cfg.BoolOpt('enable_v1_api', default=True,
                help='Serve the Image API v1 (/v1, x-image-meta-* headers) '
                     'and list v1.1 and v1.0 in the versions document.'),
    cfg.BoolOpt('enable_v2_api', default=True,
                help='Serve the Image API v2.'),
]

context_opts = [
    cfg.BoolOpt('allow_anonymous_access', default=False,
                help='Let requests that carry no confirmed identity through '
                     'the context middleware as read-only anonymous callers '
                     'instead of refusing them with 401.'),
    cfg.BoolOpt('owner_is_tenant', default=True,
                help='Images are owned by the caller\'s project (true) or '
                     'by the calling user (false).'),
]

CONF.register_opts(paste_deploy_opts, group='paste_deploy')
CONF.register_opts(listing_opts)
CONF.register_opts(image_opts)
CONF.register_opts(context_opts)


def parse_args(argv=None, prog=None, default_config_files=None):
    """Parse the command line and config files into the global CONF."""
    from glance import version
    CONF(argv, project='glance', prog=prog,
         version=version.version_string,
         default_config_files=default_config_files)


def paste_config_path(app_name):
    """Where the paste file for ``app_name`` lives, per Glance's rules."""
    path = CONF.paste_deploy.config_file
    if not path:
        if CONF.config_file:
            name = os.path.basename(CONF.config_file[-1])
            name = name.replace('.conf', '-paste.ini')
        else:
            name = '%s-paste.ini' % app_name
        path = CONF.find_file(name)
    if not path or not os.path.exists(path):
        raise exception.ConfigError(
            'Unable to find paste config file for %s (looked for %s)'
            % (app_name, path or '%s-paste.ini' % app_name))
    return os.path.abspath(path)


def pipeline_name(app_name):
    flavor = CONF.paste_deploy.flavor
    return '%s-%s' % (app_name, flavor) if flavor else app_name


def load_paste_app(app_name):
    """Build the WSGI app of the pipeline the configured flavor selects.

    Any failure (an unknown flavor, a filter whose factory cannot be
    imported) is reported as a ConfigError naming the pipeline and the
    cause, so the operator sees which line of the ini to fix.
    """
    path = paste_config_path(app_name)
    name = pipeline_name(app_name)
    try:
        return deploy.loadapp('config:%s' % path, name=name)
    except LookupError as e:
        raise exception.ConfigError(
            'Pipeline "%s" is not defined in %s (flavor %r): %s'
            % (name, path, CONF.paste_deploy.flavor, e))
    except ImportError as e:
        raise exception.ConfigError(
            'Pipeline "%s" in %s names a filter or app that is not '
            'available: %s' % (name, path, e))
