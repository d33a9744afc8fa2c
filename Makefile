# infocentre — see README.md. The two commands a newcomer needs:
#   make run    the information centre on the embedded store, with demo content
#   make test   every test suite (sets up what it needs on a fresh machine)
SHELL := /bin/bash
GO    ?= go
BIN   := bin
DATA  ?= .data
ADDR  ?= 127.0.0.1:8080

.PHONY: run build test unit lint openapi-lint fuzz fuzz-brief bench browser clean setup cfn-lint e2e

build:
	$(GO) build -o $(BIN)/infocentre ./cmd/infocentre

run: build
	$(BIN)/infocentre serve --addr $(ADDR) --data $(DATA)

test: lint openapi-lint unit fuzz-brief browser setup cfn-lint e2e

# The DynamoDB store and app tests run against moto_server; under CI=true a
# missing moto_server fails them instead of skipping.
unit:
	bash .ci/setup-moto.sh
	$(GO) test -race -count=1 ./...

# Go native fuzz targets, each with a seed corpus under its package's
# testdata/fuzz/<target>/. make test runs each for FUZZTIME_TEST; make fuzz
# runs each for FUZZTIME (make fuzz FUZZTIME=30m for a long run).
FUZZTIME      ?= 5m
FUZZTIME_TEST ?= 10s

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime=$(FUZZTIME) ./internal/transfer

fuzz-brief:
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME_TEST)

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# The OpenAPI document must lint clean under Redocly CLI's recommended rules,
# warnings included (recommended-strict). Redocly is pinned in .ci/redocly and
# installed into .cache/redocly.
openapi-lint:
	bash .ci/setup-redocly.sh
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1 \
	  .cache/redocly/node_modules/.bin/redocly lint --extends recommended-strict --format=stylish internal/httpapi/openapi.json

# Accessibility and rendering checks of the public site in headless Chromium.
browser:
	.ci/setup-browser.sh
	cd e2e/browser && node a11y.mjs

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	SEARCH_REPORT=1 $(GO) test -count=1 -run 'TestReportLatency|TestJudgedQueries' -v ./internal/search
	bash .ci/bench-coldstart.sh

# Docker engine, SAM CLI (in .cache/venv) and the stand-in Lambda base image.
setup:
	bash .ci/setup-docker.sh
	bash .ci/setup-sam.sh
	bash .ci/setup-image.sh

# template.yaml must lint with zero errors and zero warnings.
cfn-lint:
	bash .ci/setup-sam.sh
	.cache/venv/bin/cfn-lint template.yaml
	if command -v cfn-lint >/dev/null; then cfn-lint template.yaml; fi
	SAM_CLI_TELEMETRY=0 .cache/venv/bin/sam validate --lint --region eu-west-1

# The function binaries under sam local, against moto_server.
e2e:
	bash .ci/e2e.sh

clean:
	rm -rf $(BIN) .aws-sam test-artifacts
