# The archive's front door: `make run` serves it, `make test` tests it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SIZE ?= 100k
export ARCHIVE_PGDATA ?= $(CURDIR)/.pgdata

.PHONY: run test lint bench bench-fixtures bench-alerts bench-instructions backup restore stop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

.secret_key:
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: $(VENV)/.installed-run .secret_key
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ingest fixtures/minutes
	$(BIN)/python manage.py ingest fixtures/formats/acadre --municipality "Syddjurs Kommune"
	$(BIN)/python manage.py ingest fixtures/formats/edoc fixtures/formats/publication --municipality "Ballerup Kommune"
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py ensure_admin
	@echo "Serving the archive on http://127.0.0.1:$(PORT)/"
	@echo "E-mails (alerts) are printed here unless EMAIL_HOST is set; their links lead to ARCHIVE_BASE_URL."
	ARCHIVE_BASE_URL="$${ARCHIVE_BASE_URL:-http://127.0.0.1:$(PORT)}" \
		$(BIN)/gunicorn archive.wsgi -c archive/gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 3 --access-logfile -

# Tests get a throwaway secret key; they never read .secret_key.
test: $(VENV)/.installed-test
	ARCHIVE_ALLOW_EPHEMERAL_KEY=1 $(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ARCHIVE_ALLOW_EPHEMERAL_KEY=1 $(BIN)/python manage.py makemigrations --check --dry-run

bench-fixtures: $(VENV)/.installed-test
	ARCHIVE_ALLOW_EPHEMERAL_KEY=1 $(BIN)/python scripts/bench_fixtures.py

# The side-by-side benchmark (ours / floor / naive) on a synthetic corpus: SIZE=10k|100k|1m.
bench: $(VENV)/.installed-test
	ARCHIVE_ALLOW_EPHEMERAL_KEY=1 $(BIN)/python scripts/bench.py --size $(SIZE)

# What a `send_alerts` run costs, on a copy of the last `make bench` corpus at SIZE.
SUBSCRIPTIONS ?= 2000
bench-alerts: $(VENV)/.installed-test
	ARCHIVE_ALLOW_EPHEMERAL_KEY=1 $(BIN)/python scripts/bench_alerts.py --size $(SIZE) --subscriptions $(SUBSCRIPTIONS)

# Instructions a page costs the serving process (valgrind), one page a class of the last
# `make bench` at SIZE: repeatable where times are not, to compare two versions of the code.
bench-instructions: $(VENV)/.installed-test
	ARCHIVE_ALLOW_EPHEMERAL_KEY=1 $(BIN)/python scripts/instructions.py --size $(SIZE)

# The database (pg_dump) and the media files, into $(BACKUP_DIR)/archive-YYYYMMDD-HHMMSS.dump and
# .media.tar (UTC); DATABASE_URL's database, else the embedded one. docs/deploy.md: the restore drill.
BACKUP_DIR ?= backups
backup: $(VENV)/.installed-run
	$(BIN)/python -m archive.backup dump --out $(BACKUP_DIR)

# FILE=backups/archive-….dump [DATABASE=name]: into a new database of that name, or into the
# configured one only while it is empty; never over a database with tables.
restore: $(VENV)/.installed-run
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/archive-YYYYMMDD-HHMMSS.dump [DATABASE=name]"; exit 2; }
	$(BIN)/python -m archive.backup restore "$(FILE)" $(if $(DATABASE),--database "$(DATABASE)")

stop: $(VENV)/.installed-run
	$(BIN)/python -m archive.db stop

clean: stop
	rm -rf $(VENV) staticfiles
