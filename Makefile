# zeropark — two commands for a new user:  `make demo`  and  `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
ASSETS  := src/zeropark/web/static/vendor/.installed
FONTS   := src/zeropark/web/static/vendor/fonts

.PHONY: demo test setup assets services lint typecheck audit bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p src/zeropark/web/static/vendor
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js src/zeropark/web/static/vendor/
	mkdir -p src/zeropark/web/static/vendor/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/LICENSE src/zeropark/web/static/vendor/swagger-ui/
	# Noto Sans SC (OFL-1.1): TrueType for the PDF report and its charts, WOFF2 subsets for the pages
	mkdir -p $(FONTS)/noto-sans-sc/files
	cp node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf $(FONTS)/NotoSansSC-Regular.ttf
	cp node_modules/@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf $(FONTS)/NotoSansSC-Bold.ttf
	cp node_modules/@expo-google-fonts/noto-sans-sc/LICENSE_FONT $(FONTS)/OFL.txt
	cp node_modules/@fontsource/noto-sans-sc/400.css node_modules/@fontsource/noto-sans-sc/700.css $(FONTS)/noto-sans-sc/
	cp node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-*-400-normal.woff2 node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-*-700-normal.woff2 $(FONTS)/noto-sans-sc/files/
	touch $(ASSETS)

setup: $(STAMP) $(ASSETS)  ## install Python deps into .venv and front-end assets from npm

assets: $(ASSETS)

demo: setup  ## build the demo park (示例数据) and serve the dashboard on http://127.0.0.1:8000
	$(BIN)/zeropark demo --serve

services:  ## start PostgreSQL and Mosquitto if they are down (test prerequisites)
	bash scripts/services.sh

test: setup services  ## the whole test suite (SQLite, real PostgreSQL, real Mosquitto, headless Chromium)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo  # import contracts: [tool.importlinter] in pyproject.toml
	bash scripts/audit-deps.sh  # known vulnerabilities of the installed packages (says so when it cannot check)
	$(BIN)/pytest -q -p no:cacheprovider

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck:
	$(BIN)/mypy

audit: setup  ## known vulnerabilities of the installed packages (pip-audit; says when no advisory database is reachable)
	bash scripts/audit-deps.sh

bench: setup
	$(BIN)/python benchmarks/accounting.py

clean:
	rm -rf $(VENV) node_modules src/zeropark/web/static/vendor zeropark.db
