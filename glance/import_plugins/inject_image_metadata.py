"""inject_image_metadata: set operator-chosen properties on every image
imported by a caller who has none of the ``ignore_user_roles``."""

from oslo_config import cfg

from glance import import_plugins

GROUP = 'inject_metadata_properties'

OPTS = [
    cfg.ListOpt('ignore_user_roles', default=['admin'],
                help='Callers with any of these roles import images without '
                     'the injected properties.'),
    cfg.DictOpt('inject', default={},
                help='Properties set on imported images, as '
                     '"name:value,name:value".'),
]


class Plugin:

    def __init__(self, conf, staging):
        conf.register_opts(OPTS, group=GROUP)
        self.opts = conf[GROUP]

    def run(self, image, path, roles):
        if set(roles) & set(self.opts.ignore_user_roles):
            return import_plugins.Outcome()
        return import_plugins.Outcome(properties=dict(self.opts.inject))
