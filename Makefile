# Two entry points, each doing all set-up on a fresh machine with Python 3.11 and pip:
#   make demo   grade every lab's reference and starter, and the quiz, and print the reports
#   make test   lint, the validate gate and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint validate bench clean system web

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: an unpinned resolve would fetch a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages for the sandbox: bubblewrap (namespaces) and libseccomp (syscall filter),
# and PostgreSQL, whose server the gradebook tests start (the gradebook runs on it by URL).
# redis-server: the Celery broker of `seqlab worker`, started by the scale-out test and bench.
# chromium (headless) opens the class report in its test; fonts-wqy-microhei draws its Chinese.
# Needs root; without them seqlab still grades, at a weaker isolation level (`seqlab doctor`).
system:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq bubblewrap libseccomp2 postgresql redis-server chromium fonts-wqy-microhei >/dev/null; \
	else echo "make system: not root or no apt-get; install bubblewrap, libseccomp2, postgresql, redis-server, chromium and fonts-wqy-microhei yourself"; fi

demo: $(STAMP)
	$(BIN)/seqlab demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

validate: $(STAMP)
	$(BIN)/seqlab validate

# The attack corpus and the labs' seed sweeps mostly wait on sandboxes (budgets running out,
# workers starting, one core each): they run three at a time (pytest-xdist); the rest, whose
# tests time what they measure, one at a time, with the course's own checks (pytest plugin).
PARALLEL := tests/adversarial tests/test_labs.py
test: lint $(STAMP) web
	$(BIN)/pytest -n 3 $(PARALLEL)
	$(BIN)/pytest $(addprefix --ignore=,$(PARALLEL))

# The web platform's code editor: CodeMirror 6 from the npm registry, bundled by esbuild into
# graders/web/static/editor.js (node_modules and the bundle are not committed).
WEB := graders/web
web: $(WEB)/static/editor.js
$(WEB)/static/editor.js: $(WEB)/frontend/package.json $(WEB)/frontend/src/editor.js
	cd $(WEB)/frontend && npm install --no-audit --no-fund --silent && npm run --silent build

bench: $(STAMP)
	$(BIN)/python bench/seq2seq_bench.py
	$(BIN)/python bench/sandbox_bench.py
	$(BIN)/python bench/split_bench.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis
