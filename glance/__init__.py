"""glance: a VM image service in the line of OpenStack Glance."""
