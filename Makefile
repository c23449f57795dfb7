# csat — reproducible questionnaire / customer-satisfaction studies.  `make help` lists the targets.
#
# One-run overrides, recorded in the report:  make study STUDY=demo BOOTSTRAP=200 SEED=7
#                                             make study STUDY=demo SET="efa.n_factors=3 language=zh"
# Parallel builds: a study's independent stages run on all cores (JOBS=1 or make -j1: serially);
# make -j4 all also builds several studies at once.  Results are identical to a serial build.

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := default

PYTHON ?= python3.11
# Stages of one study that do not read each other run at once (02 and 03; then 04, 05 and 06) on JOBS cores
# unless make was given -j (make -j1 builds serially).  Results are byte-identical either way.
JOBS   ?= $(shell nproc 2>/dev/null || echo 1)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STUDY  ?= demo
PARAMS := params/$(STUDY).yaml
OUT    := reports/$(STUDY)
BUILD  := $(OUT)/.build
OVR    := $(strip $(if $(BOOTSTRAP),bootstrap=$(BOOTSTRAP)) $(if $(SEED),seed=$(SEED)) $(SET))
SRC    := $(shell find src/csat -type f ! -name '*.pyc' ! -path '*/__pycache__/*' 2>/dev/null)
SYSPKGS := chromium fonts-noto-cjk fonts-noto-core fonts-wqy-microhei graphviz poppler-utils

ALL_STUDIES := $(patsubst params/%.yaml,%,$(wildcard params/*.yaml))

# A Dask scheduler (csat.pipeline.cluster): make all SCHEDULER=tcp://host:8786 (or local, or CSAT_SCHEDULER=…) builds
# the studies as tasks on that cluster; with it set, a study's `bootstrap_scheduler: cluster` sends its resamples there.
SCHEDULER ?= $(CSAT_SCHEDULER)
ifneq ($(strip $(SCHEDULER)),)
export CSAT_SCHEDULER := $(strip $(SCHEDULER))
endif

.PHONY: default help setup sysdeps study study-locked study-build plan all $(addprefix all-,$(ALL_STUDIES)) lab clean test bench check-report

## default: set up (.venv from requirements.lock, kernel, system packages), build the demo study
default: setup
	@$(MAKE) --no-print-directory study STUDY=demo

## help: list the targets
help:
	@echo "make [target] [STUDY=<name>] [BOOTSTRAP=n] [SEED=n] [SET=\"key=value ...\"] [-j N]"
	@sed -n 's/^## \([a-z-]*\): \(.*\)/\1\t\2/p' $(MAKEFILE_LIST) | awk -F'\t' '{printf "  %-8s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- environment
## setup: create .venv from requirements.lock, install the project's kernel, check system packages
setup: $(VENV)/.installed sysdeps

# The makes `study` starts for the build itself (CSAT_INNER=1) never rebuild the environment: `study` depends on
# setup, so it is current by then, or the caller chose to keep it (make -o .venv/.installed, which Make does not
# pass on to them).
ifndef CSAT_INNER
$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 (Debian: apt-get install python3.11 python3.11-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || { echo "error: $(PYTHON) is not Python 3.11"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --no-deps -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e '.[pipeline,cluster]'
	$(PY) -m csat.pipeline.build kernel
	@touch $@
endif

# System packages: Chromium (PDF), Noto CJK fonts (Chinese in figures/PDF), Noto Sans/Serif (Latin text),
# WenQuanYi Micro Hei (Chinese in the PDF with TrueType outlines: Chromium turns CFF fonts into Type 3), Graphviz (path diagram),
# poppler-utils (PDF checks).  Installed from Debian's packages when run as root; otherwise we say what to install.
sysdeps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc || missing="$$missing fonts-noto-cjk"; \
	test -f /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf || missing="$$missing fonts-noto-core"; \
	test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || missing="$$missing fonts-wqy-microhei"; \
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
# reports/index.html shows each study's state (reports/<study>/.build/status.json, recorded by csat.pipeline.build).
# The index is the report's (python -m csat.report index), so it is written here after each command that may record
# a state, when it is not newer than the study's status.json: WRITE_INDEX after the build (also when missing);
# REFRESH_INDEX after a failure, only if there is one, and its own failure is a note, never the build's error.
WRITE_INDEX = [ reports/index.html -nt $(BUILD)/status.json ] || $(PY) -m csat.report index
REFRESH_INDEX = if [ -f reports/index.html ] && [ ! reports/index.html -nt $(BUILD)/status.json ]; then \
	  err=$$($(PY) -m csat.report index 2>&1 >/dev/null) \
	  || echo "note: reports/index.html not refreshed ($$(echo "$$err" | tail -n 1))" >&2; fi

## study: build one study from params/STUDY.yaml (STUDY=demo by default): notebooks, report.html, report.pdf
# One build per study at a time: study-locked runs under the study's lock (reports/<study>/.build/lock,
# csat.pipeline.lock); a second `make study` of the same study stops at once, naming the process that builds it.
study: setup
	@test -f $(PARAMS) || { echo "error: $(PARAMS) not found (studies: $$(ls params/*.yaml | xargs -n1 basename | sed 's/\.yaml//' | tr '\n' ' '))"; exit 1; }
	@$(PY) -m csat.pipeline.build lock --study $(STUDY) -- $(MAKE) --no-print-directory study-locked STUDY=$(STUDY) CSAT_INNER=1

study-locked:
	@$(PY) -m csat.pipeline.build prepare $(PARAMS) --overrides "$(OVR)" --owner $$PPID --command-module csat.report.cli; \
	  rc=$$?; $(REFRESH_INDEX); exit $$rc
	@$(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS)) study-build STUDY=$(STUDY) CSAT_INNER=1
	@$(PY) -m csat.pipeline.build finished --study $(STUDY)
	@$(WRITE_INDEX)

## new: draft params/STUDY.yaml from a raw export, every choice commented (make new STUDY=x DATA=data/raw/x.csv)
.PHONY: new
new: setup
	@test -n "$(DATA)" || { echo "error: give the raw export: make new STUDY=<name> DATA=data/raw/<file>"; exit 1; }
	@$(PY) -m csat.new --study $(STUDY) --data "$(DATA)"

## plan: before fieldwork: sample size, allocation, power (plan.html/.pdf) and the questionnaire of params/STUDY.yaml
plan: setup
	@test -f $(PARAMS) || { echo "error: $(PARAMS) not found (studies: $$(ls params/*.yaml | xargs -n1 basename | sed 's/\.yaml//' | tr '\n' ' '))"; exit 1; }
	@$(PY) -m csat.report.plan --study $(STUDY) --params $(PARAMS) --overrides "$(OVR)"

## all: build every study in params/ (with -j N, studies and their stages run in parallel; SCHEDULER=<address>|local: on a Dask cluster)
ifneq ($(strip $(SCHEDULER)),)
all: setup
	@$(PY) -m csat.pipeline.cluster all --scheduler "$(CSAT_SCHEDULER)" --venv "$(VENV)"
else
all: $(addprefix all-,$(ALL_STUDIES))
	@$(PY) -m csat.report index
endif

$(addprefix all-,$(ALL_STUDIES)): all-%: setup
	@$(MAKE) --no-print-directory study STUDY=$*

-include $(BUILD)/deps.mk
# the stages whose outputs' build stamps differ from the current build (csat.pipeline.stamps), re-run whatever
# their files' times say; written by prepare
-include $(BUILD)/stale.mk
.PHONY: FORCE
FORCE:

# One stage: `csat.pipeline.build run` executes notebooks/<stage>.ipynb with papermill and exports its HTML
# (nbconvert), in one process, in the stage's workspace (.build/work/<stage>/, csat.pipeline.workspace); its
# outputs replace $(OUT)/<stage>.ipynb and the previous ones only when it succeeded.  On failure it prints the
# failing cell, records the error in .build/status.json, keeps the previous outputs and the half-run notebook
# in .build/failed/<stage>.ipynb.
# --owner $$PPID (this Make): the stage boots the kernels of the stages that follow it while it runs, and
# those kernels exit when this Make does if no stage claimed them (csat.pipeline.warm; CSAT_WARM_KERNELS=0: off).
#
# papermill.yaml (params file + overrides) is not a prerequisite: each stage depends on its own stamp,
# which holds the effective values of the parameters it reads, overrides included.  Which stages a stage
# reads (and whether it reads the raw data) is NOT written here: `csat.pipeline.build prepare` generates those
# prerequisites into $(BUILD)/deps.mk from csat.pipeline.graph.STAGE_READS, the one table of what each notebook reads.
# deps.mk also defines the stages, $(STAGES) (csat.pipeline.graph.STAGES), and their executed notebooks in the
# order Make considers them when several are ready, $(STAGE_NBS) (csat.pipeline.graph.SCHEDULE: longest first).
# `study` runs prepare before the inner make that builds, so that make reads deps.mk.
COMMON = $(SRC) $(VENV)/.installed

define stage_rule
$(OUT)/$(1).ipynb: notebooks/$(1).ipynb $(BUILD)/stage-$(1).json $(BUILD)/deps.mk $(COMMON)
	@$(PY) -m csat.pipeline.build run --study $(STUDY) --stage $(1) --owner $$$$PPID || { $$(REFRESH_INDEX); exit 1; }
endef
$(foreach s,$(STAGES),$(eval $(call stage_rule,$(s))))

$(OUT)/report.html $(OUT)/report.pdf &: $(STAGE_NBS) $(PARAMS) $(BUILD)/papermill.yaml $(COMMON)
	@echo "[$(STUDY)] building report.html and report.pdf"
	@$(PY) -m csat.report study --study $(STUDY) --params $(PARAMS) --overrides-file $(BUILD)/papermill.yaml --finish \
	  || { $(PY) -m csat.pipeline.build failed --study $(STUDY) --stage report; $(REFRESH_INDEX); exit 1; }

# reports/index.html is written when the study is recorded as built: by the report step (--finish) or, when
# the report had nothing to do, after `csat.pipeline.build finished` (WRITE_INDEX, below `study`).
study-build: $(STAGE_NBS) $(OUT)/report.html $(OUT)/report.pdf

# ---------------------------------------------------------------- interactive
## check-report: lint reports/STUDY/report.pdf and report.html (cut tables, tiny or overlapping text, blank pages, raw values, English in zh)
check-report:
	@$(PY) -m csat.report.lint $(OUT)

## lab: open JupyterLab with the project kernel; notebooks run study STUDY (CSAT_STUDY); LAB_ARGS=... for jupyter lab
lab: setup
	@test -f $(PARAMS) || { echo "error: $(PARAMS) not found"; exit 1; }
	CSAT_STUDY=$(STUDY) CSAT_ROOT=$(CURDIR) $(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR) \
	  --KernelManager.transport_encryption=auto --MultiKernelManager.default_kernel_name=python3 \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# ---------------------------------------------------------------- housekeeping
## clean: remove generated files (never data/raw/)
clean:
	find reports -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
	find data/processed -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +

## test: run the test suite
test: setup
	$(VENV)/bin/pytest -q

## bench: benchmark (see README); ONLY="demo scale" runs only those groups (ecsi pls demo scale programme wlsmv)
bench: setup
	$(PY) -m csat.pipeline.bench $(if $(ONLY),--only $(ONLY))
