# Set-up and the two commands the README promises: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench reports clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.base: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

# torch is pinned in the extra (2.13.0, the CPU build); an unpinned torch pulls CUDA.
$(VENV)/.full: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[torch,test]'
	touch $@ $(VENV)/.base

demo: $(VENV)/.base
	$(VENV)/bin/archcalc compare

test: $(VENV)/.full
	$(PY) -m pytest -q

bench: $(VENV)/.full
	$(PY) benchmarks/startup.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
