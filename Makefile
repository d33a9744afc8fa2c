# infocentre — see README.md. The commands a newcomer needs:
#   make run    the information centre on the embedded store, with demo content
#   make sam-local  the same on the serverless stack (sam local + moto_server)
#   make check  the quick loop: gofmt, go vet, staticcheck, go test -short
#   make test   every test suite (sets up what it needs on a fresh machine)
SHELL := /bin/bash
GO    ?= go
BIN   := bin
DATA  ?= .data
ADDR  ?= 127.0.0.1:8080
STATICCHECK := .cache/bin/staticcheck
# How long each fuzz target runs: FUZZTIME in make fuzz, TEST_FUZZTIME in make test.
# make test counts inputs rather than seconds: Go's fuzzing coordinator can fail
# a duration-bounded run with "context deadline exceeded" and no failing input
# when the machine is busy (go.dev/issue/75804); a count has no deadline to race.
# 50,000 inputs take 3-10 s per target on 2 idle CPUs.
FUZZTIME      ?= 1m
TEST_FUZZTIME ?= 50000x
# Every fuzz target, as package:Target.
FUZZ_TARGETS := ./internal/httpapi:FuzzDecodeJSON ./internal/markdown:FuzzRender ./internal/transfer:FuzzRead ./internal/search:FuzzHTMLText

.PHONY: run build check test unit lint staticcheck fuzz fuzz-brief openapi-lint bench bench-http browser clean setup cfn-lint iac-lint e2e sam-local

build:
	$(GO) build -o $(BIN)/infocentre ./cmd/infocentre

run: build
	$(BIN)/infocentre serve --addr $(ADDR) --data $(DATA)

# The quick loop (README, "Developing"): no moto_server, no race detector,
# no browser or containers; cached test results are reused.
check: lint
	$(GO) test -short ./...

test: lint openapi-lint unit fuzz-brief browser setup iac-lint e2e

# The DynamoDB store and app tests run against moto_server; under CI=true a
# missing moto_server fails them instead of skipping.
unit:
	bash .ci/setup-moto.sh
	bash .ci/cap-schema.sh
	bash .ci/setup-standardwebhooks.sh
	$(GO) test -race -count=1 ./...

lint: staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# staticcheck at a pinned version, installed once into .cache/bin.
staticcheck:
	@bash .ci/setup-staticcheck.sh
	$(STATICCHECK) ./...

# Each fuzz target for FUZZTIME (new inputs that fail land in the package's
# testdata/fuzz and then run in every go test).
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

# make test runs each fuzz target briefly.
fuzz-brief:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

# The OpenAPI document must lint clean under Redocly CLI's recommended rules,
# warnings included (recommended-strict). Redocly is pinned in .ci/redocly and
# installed into .cache/redocly.
openapi-lint:
	bash .ci/setup-npm-tool.sh redocly redocly
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1 \
	  .cache/redocly/node_modules/.bin/redocly lint --extends recommended-strict --format=stylish internal/httpapi/openapi.json

# Accessibility and rendering checks of the public site in headless Chromium,
# and the staff console's passkey flow with a virtual authenticator.
browser:
	.ci/setup-browser.sh
	cd e2e/browser && node a11y.mjs
	cd e2e/browser && node console.mjs
	cd e2e/browser && node console-a11y.mjs

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	SEARCH_REPORT=1 $(GO) test -count=1 -run 'TestReportLatency|TestJudgedQueries' -v ./internal/search
	MEMORY_REPORT=1 $(GO) test -count=1 -timeout 30m -run 'TestReportMemory$$' -v ./internal/app
	bash .ci/setup-npm-tool.sh dynalite dynalite
	MEMORY_REPORT=1 $(GO) test -count=1 -timeout 90m -run 'TestReportMemoryLambda' -v ./internal/app
	bash .ci/bench-coldstart.sh

# Warm home and entry pages of `infocentre serve` (embedded store) against
# nginx serving the same bytes from files: req/s, ratio, p99 (wrk, one run).
bench-http:
	bash .ci/bench-http.sh

# Docker engine, SAM CLI (in .cache/venv) and the stand-in Lambda base image.
setup:
	bash .ci/setup-docker.sh
	bash .ci/setup-sam.sh
	bash .ci/setup-image.sh

# The templates must lint with zero errors and zero warnings.
cfn-lint:
	bash .ci/setup-sam.sh
	.cache/venv/bin/cfn-lint template.yaml deploy/*.yaml
	if command -v cfn-lint >/dev/null; then cfn-lint template.yaml deploy/*.yaml; fi
	SAM_CLI_TELEMETRY=0 .cache/venv/bin/sam validate --lint --region eu-west-1

# What only a deployment would otherwise find out: SAM's own translator on
# template.yaml (an OpenAPI servers entry without url fails the HTTP API's
# create; the fixture proves the check fails), and checkov's security scan
# (every finding fixed or suppressed in the template with its reason).
iac-lint: cfn-lint
	bash .ci/setup-checkov.sh
	.cache/venv/bin/python .ci/check-sam-translate.py template.yaml
	.cache/venv/bin/python .ci/check-sam-translate.py testdata/templates/servers-without-url.yaml --expect-fail
	BC_SKIP_MAPPING=TRUE .cache/checkov-venv/bin/checkov --quiet --compact --skip-download \
	  --framework cloudformation -f template.yaml -f deploy/host.yaml -f deploy/waf.yaml

# The function binaries under sam local, against moto_server.
e2e:
	bash .ci/e2e.sh

# The serverless stack by hand: sam local start-api on PORT (3000) with
# moto_server, the demo seeded and the publisher every minute; prints the
# URL and an owner key (.ci/sam-local.sh; Ctrl-C stops it).
sam-local:
	bash .ci/sam-local.sh

clean:
	rm -rf $(BIN) .aws-sam test-artifacts
