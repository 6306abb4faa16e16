# Two commands on a fresh machine with python3 and make: `make demo` and `make test`.
# Both create .venv themselves; `make test` also installs the system packages the end-to-end
# tests drive (tmux, openssh-server, chromium, nats-server) when it runs as root on Debian/Ubuntu.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := tmux openssh-server openssh-client chromium nats-server

.PHONY: demo lint test test-fast bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/floorwatch demo

# The contracts: style (ruff), the import arrows (import-linter, in pyproject.toml), the types
# of the pure core (mypy). Every step runs, so one failure does not hide the next.
lint: $(STAMP)
	@status=0; \
	$(BIN)/ruff check floorwatch tests bench || status=1; \
	$(BIN)/ruff format --check floorwatch tests bench || status=1; \
	$(BIN)/lint-imports || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

test: lint system-deps
	$(BIN)/python -m pytest -q

# The inner loop: unit and functional tests, no subprocess, tmux, sshd or browser.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e"

# Installs only what is missing; without root or apt-get the tests that need these packages
# skip with a reason instead.
system-deps:
	@missing=""; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	[ -x /usr/sbin/sshd ] || missing="$$missing openssh-server"; \
	command -v ssh >/dev/null || missing="$$missing openssh-client"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	[ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null || missing="$$missing nats-server"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "not installing$$missing (needs root and apt-get); tests that need them will skip"; \
		fi; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ami.py

clean:
	rm -rf $(VENV) build *.egg-info
