# WRES Workflow: `make run` to use it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := app/static/nhsuk/nhsuk-frontend.min.css
export FLASK_APP := wsgi_dev.py
# `make run PORT=8080` when 5000 is taken.
PORT ?= 5000
# `make test TEST_WORKERS=0` runs the suite in one process (pytest-xdist otherwise, one per core).
TEST_WORKERS ?= auto

.PHONY: install run test fuzz bench lint format clean bytecode

install: $(STAMP) $(ASSETS) pdf-libraries bytecode

# The app's bytecode, compiled ahead: where PYTHONDONTWRITEBYTECODE is set Python never caches
# it, and every `flask` command compiled the whole app again before doing anything (0.75 s of
# its 1.3 s of CPU). Python still reads only what is up to date, so an edited file is compiled
# afresh until the next `make`; compileall skips what has not changed.
bytecode:
	@$(BIN)/python -m compileall -q app config.py wsgi.py wsgi_dev.py

# WeasyPrint (the board report's PDF) needs Pango; installed from Debian or Ubuntu when missing
# and this user may install packages. Elsewhere the PDF says what is missing, and HTML works.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
.PHONY: pdf-libraries
pdf-libraries:
	@if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then \
	  sudo apt-get install -y -qq $(PDF_PACKAGES) >/dev/null || echo "Could not install $(PDF_PACKAGES): the board report PDF needs them (HTML works without)" >&2; \
	else \
	  echo "Pango is missing: install $(PDF_PACKAGES) (or your system's Pango) for the board report PDF; HTML works without" >&2; \
	fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json
	@node -e 'if (+process.versions.node.split(".")[0] < 20) { console.error("Node 20 or newer is needed"); process.exit(1) }'
	npm install --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

# The NHS.UK design system's built CSS, JS and icons, copied from the pinned npm package.
$(ASSETS): node_modules/.package-lock.json
	rm -rf app/static/nhsuk
	mkdir -p app/static/nhsuk
	cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css \
	   node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js app/static/nhsuk/
	cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets app/static/nhsuk/assets
	# The CSS names its icons from the site root (/assets/...); relative to the CSS file they
	# are found wherever the app is served (otherwise a 404 for nhsuk-icon-cross.svg on every page).
	sed -i 's#url(/assets/#url(assets/#g' app/static/nhsuk/nhsuk-frontend.min.css

run: install
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo
	@echo "WRES Workflow is at http://127.0.0.1:$(PORT)  (Ctrl+C to stop; the scheduler runs beside it)"
	@echo
	export SERVICE_URL="$${SERVICE_URL:-http://127.0.0.1:$(PORT)}"; \
	  $(BIN)/flask scheduler run & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Import fuzzing at full size (10,000 malformed files per import kind) and the 200,000-row
# background upload; the normal suite runs 2,000 files per kind and a 6,000-row upload.
fuzz: install
	IMPORT_FUZZ_PROFILE=full RUN_SLOW=1 $(BIN)/pytest -p no:cacheprovider \
	  tests/test_import_fuzz.py tests/test_background_imports.py $(PYTEST_ARGS)

# `make bench SIZE=national` for 320,408 staff and 951,136 applications (SIZE=trust, mid, smoke,
# or several, comma-separated). PostgreSQL too when BENCH_DATABASE_URL names a database called
# bench_something (it is emptied). Pages are loaded with Debian's wrk, installed here if missing.
SIZE ?= trust,mid
bench: install
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  echo "wrk is not installed (apt-get install wrk): pages are loaded by Python threads instead"
	SIZE=$(SIZE) $(BIN)/python bench/bench.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules app/static/nhsuk .pytest_cache
