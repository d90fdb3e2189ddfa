"""The release this tree is."""

from importlib import metadata

try:
    version_string = metadata.version('glance')
except metadata.PackageNotFoundError:
    version_string = 'unknown'
