# `make run` installs glance into .venv and starts glance-api on SQLite and
# the filesystem store under ./data; `make test` runs the whole test suite;
# `make bench` runs the side-by-side benchmark (bench/README.md).
VENV ?= .venv
QUICKSTART_CONF = etc/glance-api-quickstart.conf

.PHONY: run test sample-config bench bench-quick

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	mkdir -p data/images
	$(VENV)/bin/glance-manage --config-file $(QUICKSTART_CONF) db_sync
	OS_GLANCE_STORE__FILESYSTEM_STORE_DATADIR=$(CURDIR)/data/images \
	    exec $(VENV)/bin/glance-api --config-file $(QUICKSTART_CONF)

test: $(VENV)/.installed
	$(VENV)/bin/pytest -q -n auto --ignore=tests/unit/test_client.py
	# In a process of its own: after the rest of the suite it can stall
	# (an open question, see doc/client.md).
	$(VENV)/bin/pytest -q tests/unit/test_client.py

sample-config: $(VENV)/.installed
	$(VENV)/bin/oslo-config-generator --config-file etc/oslo-config-generator/glance-api.conf
	$(VENV)/bin/oslo-config-generator --config-file etc/oslo-config-generator/glance-registry.conf

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/run.py

bench-quick: $(VENV)/.installed
	$(VENV)/bin/python bench/run.py --quick --json bench/results-quick.jsonl
