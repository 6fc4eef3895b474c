# Two entry points, each doing all set-up on a fresh Debian machine with Python 3.11, pip, Node
# and apt (run as root, they also install the Debian packages that are missing):
#   make demo   grade every lab's reference and starter, and the quiz, and print the reports
#   make test   lint, the validate gate and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint validate bench clean system sandbox-packages test-packages web

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: an unpinned resolve would fetch a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages. The sandbox's: bubblewrap (namespaces) and libseccomp2 (syscall filter).
# The tests': PostgreSQL, whose server the gradebook tests start (the gradebook runs on it by
# URL); redis-server, the Celery broker of `seqlab worker`, started by the scale-out test and
# bench; headless chromium opens the class report and the web editor, fonts-wqy-microhei draws
# their Chinese; debootstrap builds the Ubuntu 22.04 root the Gradescope bundle is tried in
# (cached in /var/cache/seqlab-test-roots after its first build).
SANDBOX_PACKAGES := bubblewrap libseccomp2
TEST_PACKAGES    := $(SANDBOX_PACKAGES) postgresql redis-server chromium fonts-wqy-microhei debootstrap

# $(call packages,LIST): install those of LIST that dpkg does not list as installed. Cheap when
# none is missing (one dpkg-query each; no apt-get update), so demo and test check every time:
# a package removed since is noticed. Installing needs root and apt-get; without them one
# line names what is missing and make goes on: seqlab still grades, at a weaker isolation
# level (`seqlab doctor`), and a test that needs a missing server fails naming its package.
define packages
@missing=; for package in $(1); do \
	dpkg-query -W -f='$${db:Status-Status}\n' $$package 2>/dev/null | grep -qx installed \
		|| missing="$$missing $$package"; \
done; \
if [ -z "$$missing" ]; then :; \
elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	echo "Installing Debian packages:$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
else \
	echo "Debian packages missing:$$missing (installing them needs root and apt-get: sudo make system); seqlab still runs, at a weaker isolation level (seqlab doctor)"; \
fi
endef

sandbox-packages:
	$(call packages,$(SANDBOX_PACKAGES))
test-packages:
	$(call packages,$(TEST_PACKAGES))
# Explicitly, e.g. once as root before running demo and test as yourself.
system: test-packages

demo: sandbox-packages $(STAMP)
	$(BIN)/seqlab demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

validate: $(STAMP)
	$(BIN)/seqlab validate

# One run on 4 workers (pytest-xdist; most tests wait on servers, browsers and sandboxed
# programs): the whole suite and the course's own checks (the plugin, --seqlab), a test file's
# tests together on one worker and a lab's checks on one (tests/conftest.py), the attack
# corpus and the labs' sweeps test by test. Then the files that time what they measure
# (marked serial: CPU shares, wall limits, response times), alone.
# Our own modules are byte-compiled first: where PYTHONDONTWRITEBYTECODE is set (it is on the
# machine this was measured on) every process the suite starts would compile them again, about
# 0.08 s of CPU for each `seqlab` run.
test: test-packages lint $(STAMP) web
	$(BIN)/python -m compileall -q graders quizzes tests bench > /dev/null
	$(BIN)/pytest -n 4 --seqlab -m "not serial" --durations=20 tests
	$(BIN)/pytest -p no:seqlab -m serial tests

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
