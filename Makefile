# infocentre — see README.md. The two commands a newcomer needs:
#   make run    the information centre on the embedded store, with demo content
#   make test   every test suite (sets up what it needs on a fresh machine)
SHELL := /bin/bash
GO    ?= go
BIN   := bin
DATA  ?= .data
ADDR  ?= 127.0.0.1:8080

.PHONY: run build test unit lint bench browser clean

build:
	$(GO) build -o $(BIN)/infocentre ./cmd/infocentre

run: build
	$(BIN)/infocentre serve --addr $(ADDR) --data $(DATA)

test: lint unit browser

# The DynamoDB store and app tests run against moto_server; under CI=true a
# missing moto_server fails them instead of skipping.
unit:
	bash .ci/setup-moto.sh
	$(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# Accessibility and rendering checks of the public site in headless Chromium.
browser:
	.ci/setup-browser.sh
	cd e2e/browser && node a11y.mjs

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	SEARCH_REPORT=1 $(GO) test -count=1 -run 'TestReportLatency|TestJudgedQueries' -v ./internal/search

clean:
	rm -rf $(BIN) .aws-sam test-artifacts
