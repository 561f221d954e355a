# Everything a developer runs. `make serve` and `make test` do their own set-up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8080
DATA_DIR ?= .data
SHARED ?= ../shared

.PHONY: serve test test-slow lint bench robustness soak migrate data clean generate eval-data train train-tiny eval

# The venv is rebuilt when a requirements file changes.
$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# torch (CPU build) and friends, for training/ and its tests; never in the service image.
$(BIN)/.installed-train: $(BIN)/.installed-dev requirements-train.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-train.txt
	touch $@

serve: $(BIN)/.installed
	PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py "geometry_service.app:create_app()"

test: $(BIN)/.installed-train data
	$(BIN)/python -m pytest -m "not slow"

test-slow: $(BIN)/.installed-dev data
	$(BIN)/python -m pytest -m slow

# Layer contracts (import-linter, pyproject.toml) and ruff.
lint: $(BIN)/.installed-dev
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed-dev data
	$(BIN)/python -m bench.run_bench --data $(DATA_DIR)

# Every real file (occt_step, nist) through a service it starts: status codes, tiers, slowest; exits 1 on a miss.
robustness: $(BIN)/.installed-dev data
	$(BIN)/python scripts/robustness.py --data $(DATA_DIR) --out var/robustness/robustness.json

# 10 clients for 60 s (good parts, hostile files, dripping uploads) against a service it starts: latency
# percentiles, answers by status and code, the slowest /health, RSS of every process; not in CI.
soak: $(BIN)/.installed-dev
	$(BIN)/python scripts/soak.py --out var/soak/soak.json

migrate: $(BIN)/.installed
	$(BIN)/python -m geometry_service.migrate

# BRepNet (training/): labelled parts, full training (ships models/brepnet.onnx and
# writes the report to var/train/brepnet), a tiny run, and the evaluation of
# what is served on every labelled set.
GENERATED_PARTS ?= 4000
REALISTIC_PARTS ?= 6000
EVAL_LIMIT ?= 300
MODEL_VERSION ?= brepnet-1.6.0
# The cache holds the network's input arrays: a change to graph_features.py needs a new folder.
GRAPH_CACHE ?= $(DATA_DIR)/cache/inputs-1.5

generate: $(BIN)/.installed-train
	nice -n 10 $(BIN)/python -m training.generator --out $(DATA_DIR)/generated --count $(GENERATED_PARTS)
	nice -n 10 $(BIN)/python -m training.realistic --out $(DATA_DIR)/realistic --count $(REALISTIC_PARTS)

# Only the EVAL_LIMIT validation parts of each generated set that `make eval` scores (about
# 2 min on 2 cores against half an hour for the whole sets); parts already written are kept.
eval-data: $(BIN)/.installed-train
	nice -n 10 $(BIN)/python -m training.generator --out $(DATA_DIR)/generated --count $(GENERATED_PARTS) \
		--validation-sample $(EVAL_LIMIT)
	nice -n 10 $(BIN)/python -m training.realistic --out $(DATA_DIR)/realistic --count $(REALISTIC_PARTS) \
		--validation-sample $(EVAL_LIMIT)

train: $(BIN)/.installed-train data generate
	nice -n 10 $(BIN)/python -m training.train --data $(DATA_DIR)/mfcad $(DATA_DIR)/generated $(DATA_DIR)/realistic \
		--cache $(GRAPH_CACHE) --out var/train/brepnet --model-out models/brepnet.onnx --version $(MODEL_VERSION)

train-tiny: $(BIN)/.installed-train
	$(BIN)/python -m training.generator --out var/train/tiny/data --count 12 --workers 1
	$(BIN)/python -m training.train --data var/train/tiny/data --cache var/train/tiny/cache --out var/train/tiny \
		--model-out var/train/tiny/brepnet.onnx --version tiny --epochs 1 --max-steps 5 --workers 1

# MFCAD val, generated val, realistic val, MFCAD val turned at random, TurningMilling: tier 1 (the network),
# tier 2 (the rules) and the served answer, per class, and the time per part; EVAL_LIMIT parts
# a set. Tables on stdout, JSON in var/eval/.
eval: $(BIN)/.installed-train data eval-data
	$(BIN)/python scripts/eval_geometric.py --data $(DATA_DIR) --limit $(EVAL_LIMIT) --out var/eval

# The shared data sets, unpacked once into a git-ignored folder; skipped when ../shared is absent.
data:
	@bash scripts/unpack_data.sh $(SHARED)/data $(DATA_DIR)

clean:
	rm -rf $(VENV) $(DATA_DIR) var bench/results
