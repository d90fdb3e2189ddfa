"""no_op: changes nothing; shows the plugin interface and that plugins
run."""

from glance import import_plugins


class Plugin:

    def __init__(self, conf, staging):
        pass

    def run(self, image, path, roles):
        return import_plugins.Outcome()
