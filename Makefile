# `make run` installs glance into .venv and starts glance-api on SQLite and
# the filesystem store under ./data; `make test` runs the whole test suite;
# `make bench` runs the side-by-side benchmark (bench/README.md).
VENV ?= .venv
QUICKSTART_CONF = etc/glance-api-quickstart.conf

.PHONY: run test sample-config bench bench-quick ceph-bindings

# Debian's python3-rados and python3-rbd (no PyPI package exists) install
# the Ceph bindings for the system Python; the RBD store needs them in the
# venv.  Only these two modules are linked in (the whole dist-packages would
# shadow the test dependencies), and only when they are built for the
# venv's Python (the same extension suffix, e.g. .cpython-311-...so).
DEBIAN_DIST_PACKAGES = /usr/lib/python3/dist-packages

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

ceph-bindings: $(VENV)/.installed
	@suffix=$$($(VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'); \
	site=$$($(VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))'); \
	for module in rados rbd; do \
	    binding=$(DEBIAN_DIST_PACKAGES)/$$module$$suffix; \
	    if [ -e "$$binding" ]; then ln -sf "$$binding" "$$site/"; \
	    else echo "ceph-bindings: no $$binding (python3-$$module for this Python): the rbd store and its tests are unavailable"; fi; \
	done

run: $(VENV)/.installed ceph-bindings
	mkdir -p data/images
	$(VENV)/bin/glance-manage --config-file $(QUICKSTART_CONF) db_sync
	OS_GLANCE_STORE__FILESYSTEM_STORE_DATADIR=$(CURDIR)/data/images \
	    exec $(VENV)/bin/glance-api --config-file $(QUICKSTART_CONF)

test: $(VENV)/.installed ceph-bindings
	$(VENV)/bin/pytest -q -n auto

sample-config: $(VENV)/.installed
	$(VENV)/bin/oslo-config-generator --config-file etc/oslo-config-generator/glance-api.conf
	$(VENV)/bin/oslo-config-generator --config-file etc/oslo-config-generator/glance-registry.conf

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/run.py

bench-quick: $(VENV)/.installed
	$(VENV)/bin/python bench/run.py --quick --json bench/results-quick.jsonl
