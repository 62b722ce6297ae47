# Set-up and the two commands the README promises: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test fuzz bench profile reports browser clean

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

test: $(VENV)/.full browser
	$(PY) -m pytest -q

# The fuzz suite at full size: 25,000 examples per input path (more than 100,000 in all).
fuzz: $(VENV)/.full
	ARCHCALC_FUZZ_EXAMPLES=25000 $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz.py

# Headless Chromium for the HTML report's browser test (Debian's package; needs root).
# Where it cannot be installed, the browser test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the browser test will be skipped"; }

bench: $(VENV)/.full
	$(PY) benchmarks/startup.py
	$(PY) benchmarks/inprocess.py
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/bridge.py
	$(PY) benchmarks/reports.py
	$(PY) benchmarks/sweep.py
	$(PY) benchmarks/roofline.py --threads 1
	$(PY) benchmarks/table.py

# Where the time goes (pyinstrument, installed here: a profiling tool, not a dependency).
profile: $(VENV)/.full
	$(PY) -m pip install -q pyinstrument
	$(PY) benchmarks/where_time_goes.py

# The example reports in reports/, regenerated from the current code.
# HTML examples share one plotly.js beside them (a report made without --plotly-js embeds it).
reports: $(VENV)/.full browser
	$(VENV)/bin/archcalc report -o reports/seed.html --plotly-js plotly.min.js
	$(VENV)/bin/archcalc report -o reports/seed.xlsx
	$(VENV)/bin/archcalc report zoo:mobilenet_v1 zoo:mobilenet_v2 zoo:mobilenet_v3_large -o reports/mobilenets.html --plotly-js plotly.min.js
	$(VENV)/bin/archcalc report zoo:mobilenet_v1 zoo:mobilenet_v2 zoo:mobilenet_v3_large -o reports/mobilenets.xlsx
	$(VENV)/bin/archcalc report zoo:mobilenet_v2 zoo:mobilenet_v1 --hardware a100 --dtype fp16 -o reports/roofline_a100.html --plotly-js plotly.min.js
	$(VENV)/bin/archcalc compare -f markdown -o reports/compare_default.md
	$(VENV)/bin/archcalc compare zoo:mobilenet_v1 zoo:mobilenet_v2 zoo:mobilenet_v3_large zoo:resnet50 -f markdown -o reports/compare_networks.md
	$(VENV)/bin/archcalc zoo -f markdown -o reports/zoo.md
	$(VENV)/bin/archcalc analyze zoo:mobilenet_v1 --norm none --by op -f markdown -o reports/mobilenet_v1_table2.md
	$(VENV)/bin/archcalc check zoo:all -o reports/check_zoo.txt
	$(PY) tools/readme_tables.py
	ARCHCALC_SCREENSHOT=reports/report.png $(PY) -m pytest -q tests/test_html.py -k screenshot

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
