# csat — reproducible questionnaire / customer-satisfaction studies.
#
#   make                      set up (.venv from requirements.lock, kernel, system packages), build the demo study
#   make test                 run the test suite
#   make study STUDY=<name>   build one study from params/<name>.yaml
#   make all                  build every study in params/
#   make clean                remove generated files (never data/raw/)
#   make bench                benchmark (see README)
#
# One-run overrides, recorded in the report:  make study STUDY=demo BOOTSTRAP=200 SEED=7
#                                             make study STUDY=demo SET="efa.n_factors=3 language=zh"

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := default

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STUDY  ?= demo
PARAMS := params/$(STUDY).yaml
OUT    := reports/$(STUDY)
BUILD  := $(OUT)/.build
OVR    := $(strip $(if $(BOOTSTRAP),bootstrap=$(BOOTSTRAP)) $(if $(SEED),seed=$(SEED)) $(SET))
SRC    := $(shell find src/csat -type f ! -name '*.pyc' ! -path '*/__pycache__/*' 2>/dev/null)
STAGES := 01_cleaning 02_descriptives 03_reliability_validity 04_factor_analysis 05_sem 06_drivers_segments
SYSPKGS := chromium fonts-noto-cjk graphviz poppler-utils

.PHONY: default setup sysdeps study study-build all clean test bench

default: setup
	@$(MAKE) --no-print-directory study STUDY=demo

# ---------------------------------------------------------------- environment
setup: $(VENV)/.installed sysdeps

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 (Debian: apt-get install python3.11 python3.11-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || { echo "error: $(PYTHON) is not Python 3.11"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --no-deps -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (csat)" >/dev/null
	@touch $@

# System packages: Chromium (PDF), Noto CJK fonts (Chinese in figures/PDF), Graphviz (path diagram),
# poppler-utils (PDF checks).  Installed from Debian's packages when run as root; otherwise we say what to install.
sysdeps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc || missing="$$missing fonts-noto-cjk"; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "error: missing system packages:$$missing"; \
	    echo "       on Debian/Ubuntu run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

# ---------------------------------------------------------------- studies
study: setup
	@test -f $(PARAMS) || { echo "error: $(PARAMS) not found (studies: $$(ls params/*.yaml | xargs -n1 basename | sed 's/\.yaml//' | tr '\n' ' '))"; exit 1; }
	@$(PY) -m csat.build prepare $(PARAMS) --overrides "$(OVR)"
	@$(MAKE) --no-print-directory study-build STUDY=$(STUDY)
	@$(PY) -m csat.build finished --study $(STUDY)

all: setup
	@for p in params/*.yaml; do s=$$(basename $$p .yaml); $(MAKE) --no-print-directory study STUDY=$$s || exit 1; done
	@$(PY) -m csat.report index

-include $(BUILD)/deps.mk

NB = $(OUT)/$(1).ipynb
# papermill runs a stage; on failure `csat.build failed` records the notebook's error in
# .build/status.json and removes what this stage and the later ones wrote (and the report);
# Make deletes a half-written notebook (.DELETE_ON_ERROR), also when the build is interrupted.
define run_stage
	@mkdir -p $(OUT)
	@echo "[$(STUDY)] running $(1)"
	@$(VENV)/bin/papermill --no-progress-bar --log-level WARNING --cwd . -k python3 \
	    -f $(BUILD)/papermill.yaml notebooks/$(1).ipynb $(OUT)/$(1).ipynb \
	  || { echo "error: notebook notebooks/$(1).ipynb failed for study $(STUDY) (the failing cell is shown above)"; \
	       $(PY) -m csat.build failed --study $(STUDY) --stage $(1); rm -f $(OUT)/$(1).ipynb; exit 1; }
	@$(VENV)/bin/jupyter nbconvert --log-level WARN --to html $(OUT)/$(1).ipynb --output $(1).html >/dev/null \
	  || { $(PY) -m csat.build failed --study $(STUDY) --stage $(1) --message "nbconvert could not write $(1).html"; exit 1; }
endef

# papermill.yaml (params file + overrides) is not a prerequisite: each stage depends on its own stamp,
# which holds the effective values of the parameters it reads, overrides included.
COMMON = $(SRC) $(VENV)/.installed

$(OUT)/01_cleaning.ipynb: notebooks/01_cleaning.ipynb $(BUILD)/stage-01_cleaning.json $(RAW) $(COMMON)
	$(call run_stage,01_cleaning)
$(OUT)/02_descriptives.ipynb: notebooks/02_descriptives.ipynb $(BUILD)/stage-02_descriptives.json $(OUT)/01_cleaning.ipynb $(COMMON)
	$(call run_stage,02_descriptives)
$(OUT)/03_reliability_validity.ipynb: notebooks/03_reliability_validity.ipynb $(BUILD)/stage-03_reliability_validity.json $(OUT)/01_cleaning.ipynb $(COMMON)
	$(call run_stage,03_reliability_validity)
$(OUT)/04_factor_analysis.ipynb: notebooks/04_factor_analysis.ipynb $(BUILD)/stage-04_factor_analysis.json $(OUT)/01_cleaning.ipynb $(OUT)/03_reliability_validity.ipynb $(COMMON)
	$(call run_stage,04_factor_analysis)
$(OUT)/05_sem.ipynb: notebooks/05_sem.ipynb $(BUILD)/stage-05_sem.json $(OUT)/01_cleaning.ipynb $(OUT)/03_reliability_validity.ipynb $(COMMON)
	$(call run_stage,05_sem)
$(OUT)/06_drivers_segments.ipynb: notebooks/06_drivers_segments.ipynb $(BUILD)/stage-06_drivers_segments.json $(OUT)/01_cleaning.ipynb $(OUT)/02_descriptives.ipynb $(COMMON)
	$(call run_stage,06_drivers_segments)

STAGE_NBS := $(foreach s,$(STAGES),$(OUT)/$(s).ipynb)

$(OUT)/report.html $(OUT)/report.pdf &: $(STAGE_NBS) $(PARAMS) $(BUILD)/papermill.yaml $(COMMON)
	@echo "[$(STUDY)] building report.html and report.pdf"
	@$(PY) -m csat.report study --study $(STUDY) --params $(PARAMS) --overrides-file $(BUILD)/papermill.yaml \
	  || { $(PY) -m csat.build failed --study $(STUDY) --stage report; exit 1; }

reports/index.html: $(OUT)/report.html
	@$(PY) -m csat.report index

study-build: $(STAGE_NBS) $(OUT)/report.html $(OUT)/report.pdf reports/index.html

# ---------------------------------------------------------------- housekeeping
clean:
	find reports -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
	find data/processed -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +

test: setup
	$(VENV)/bin/pytest -q

bench: setup
	$(PY) -m csat.bench
