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

.PHONY: setup book test test-portability test-colab test-min notebooks clean

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

# The course where students and maintainers meet it (scripts/compat_env.py).
# Not part of `make test` (each downloads a second PyTorch, several GB, and
# runs every notebook); `make test` runs the cheap dry-run guard instead.
#   test-colab  Colab's preinstalled versions (tests/colab-constraints.txt), the
#               bootstrap cell's git install, pip freeze unchanged (ch. 8 and 9's [deploy]
#               extra may only add packages), every notebook
#   test-min    every dependency at its declared lower bound, oldest Python:
#               unit tests and every notebook
test-colab: setup
	$(BIN)/python scripts/compat_env.py colab

test-min: setup
	$(BIN)/python scripts/compat_env.py min

# Re-execute the chapter notebooks in place (after changing the package), with
# the kernels pinned to AVX2 and one thread so another x86 machine rewrites as
# few digits as possible (see scripts/execute_notebooks.py):
#   make notebooks            all of them
#   make notebooks NB=notebooks/01_cost_of_convolution.ipynb
notebooks: setup
	$(BIN)/python scripts/execute_notebooks.py $(NB)

clean:
	rm -rf _build .pytest_cache
