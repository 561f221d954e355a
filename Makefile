# Everything a developer runs. `make serve` and `make test` do their own set-up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8080
DATA_DIR ?= .data
SHARED ?= ../shared

.PHONY: serve test test-slow bench migrate eval-geometric data clean

# The venv is rebuilt when a requirements file changes.
$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

serve: $(BIN)/.installed
	PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py "geometry_service.app:create_app()"

test: $(BIN)/.installed-dev data
	$(BIN)/python -m pytest -m "not slow"

test-slow: $(BIN)/.installed-dev data
	$(BIN)/python -m pytest -m slow

bench: $(BIN)/.installed-dev data
	$(BIN)/python -m bench.run_bench --data $(DATA_DIR)

migrate: $(BIN)/.installed
	$(BIN)/python -m geometry_service.migrate

eval-geometric: $(BIN)/.installed data
	$(BIN)/python scripts/eval_geometric.py --data $(DATA_DIR)/mfcad --out var/eval/geometric_mfcad.json
	$(BIN)/python scripts/eval_geometric.py --dataset tm --data $(DATA_DIR)/turningmilling --out var/eval/geometric_turningmilling.json

# The shared data sets, unpacked once into a git-ignored folder; skipped when ../shared is absent.
data:
	@bash scripts/unpack_data.sh $(SHARED)/data $(DATA_DIR)

clean:
	rm -rf $(VENV) $(DATA_DIR) var bench/results
