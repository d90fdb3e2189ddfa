"""Cache drivers: what the cache records about its entries besides the
files (hits, last access, checksum, and with centralized_db which node
holds what).  ``image_cache_driver`` picks one; the files under
``image_cache_dir`` stay the truth about what is cached.
"""

from glance.common import exception

DRIVERS = {
    'sqlite': 'glance.image_cache.drivers.sqlite:Driver',
    'xattr': 'glance.image_cache.drivers.xattr:Driver',
    'centralized_db': 'glance.image_cache.drivers.centralized_db:Driver',
}


def load(conf, directory):
    """The configured driver, ready; ConfigError naming the option."""
    name = conf.image_cache_driver
    module_name, _, class_name = DRIVERS[name].partition(':')
    module = __import__(module_name, fromlist=[class_name])
    driver = getattr(module, class_name)(conf, directory)
    try:
        driver.configure()
    except exception.ConfigError:
        raise
    except Exception as error:
        raise exception.ConfigError(
            'image_cache_driver %s cannot be used: %s' % (name, error))
    return driver
