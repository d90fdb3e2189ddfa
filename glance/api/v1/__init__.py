"""Image API v1: image metadata in x-image-meta-* headers, as Glance served
it before v1 was retired.  A thin translation to the same domain calls as
v2; enabled by ``enable_v1_api``."""
