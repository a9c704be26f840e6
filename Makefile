# The course's two commands (see README.md):
#   make book   set everything up, then build the book into _build/html
#   make test   set everything up, then run every test (unit, property, book, notebooks)
# Both are idempotent: the virtual environment is reused while requirements.txt
# and pyproject.toml are unchanged, and the vendored JavaScript while
# package-lock.json is unchanged.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# the stamp's name carries a checksum of what the environment was built from
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup book test test-portability notebooks clean

setup: $(STAMP)
	@bash scripts/vendor_js.sh

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html/index.html"

test: setup
	$(BIN)/python -m pytest

# The notebooks under nbval as other CPUs run them: native kernels, generic
# kernels, AVX2 only, two training threads. Not part of `make test` (about 4x
# its notebook time); run it before changing an experiment is called done.
test-portability: setup
	@bash scripts/test_portability.sh

# Re-execute the chapter notebooks in place (after changing the package), with
# the kernels pinned to AVX2 and one thread so another x86 machine rewrites as
# few digits as possible (see scripts/execute_notebooks.py):
#   make notebooks            all of them
#   make notebooks NB=notebooks/01_cost_of_convolution.ipynb
notebooks: setup
	$(BIN)/python scripts/execute_notebooks.py $(NB)

clean:
	rm -rf _build .pytest_cache
