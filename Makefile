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
	$(PY) benchmarks/vs_fvcore.py

# The example reports in reports/, regenerated from the current code.
reports: $(VENV)/.full
	$(VENV)/bin/archcalc compare -f markdown -o reports/compare_default.md
	$(VENV)/bin/archcalc compare zoo:mobilenet_v1 zoo:mobilenet_v2 zoo:mobilenet_v3_large zoo:resnet50 -f markdown -o reports/compare_networks.md
	$(VENV)/bin/archcalc zoo -f markdown -o reports/zoo.md
	$(VENV)/bin/archcalc analyze zoo:mobilenet_v1 --norm none --by op -f markdown -o reports/mobilenet_v1_table2.md
	$(VENV)/bin/archcalc check zoo:all -o reports/check_zoo.txt

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
