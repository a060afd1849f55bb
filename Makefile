# Souq: `make run` starts the local marketplace; `make test` runs every test.
# Both install what is missing first (Go modules, npm packages, stripe-mock)
# and stop with a clear message when something cannot be had.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# jsii names the Node majors whose end-of-life warning to silence (Node 20 here).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export CGO_ENABLED ?= 0

# Our packages. npm packages (the CDK CLI) ship Go template files; the
# go.mod that package.json's postinstall writes into node_modules/ makes it
# a module of its own, so ./... (ours, and what a Go developer types) leaves
# it out. lint builds and vets ./... itself to keep that true.
PKGS = ./...

.PHONY: run test lint deps check-tools go-deps chromium bench sim clean build synth deploy

## run: start the local platform on $SOUQ_ADDR (default 127.0.0.1:8080) with demo data; SOUQ_RUNTIME=rie runs each function's real Lambda binary under the Runtime Interface Emulator
run: deps
	@./bin/souq-local

## test: lint, then every test under the race detector (unit, integration on DynamoDB Local, black-box in tests/, the browser suite in Debian's chromium)
test: deps chromium bin/ruler.jar lint
	@echo "==> go test (one DynamoDB Local for the whole run)"
	@CGO_ENABLED=1 ./bin/souq-local exec -- $(GO) test -race -count=1 -timeout 20m $(PKGS)

## lint: gofmt, go build and vet, staticcheck, and Redocly's lint of docs/openapi.yaml
lint: go-deps node_modules/go.mod
	@echo "==> gofmt"
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))"; \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	@echo "==> go build ./... && go vet ./..."
	@$(GO) build ./... && $(GO) vet ./...
	@echo "==> staticcheck"
	@$(GO) tool staticcheck $(PKGS)
	@echo "==> redocly lint docs/openapi.yaml"
	@ok=0; out="$$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --no-install redocly lint \
	    --config docs/redocly.yaml --format=stylish docs/openapi.yaml 2>&1)" || ok=$$?; \
	  printf '%s\n' "$$out" | grep -v '[║╔╚]' | grep -Ev '^[[:space:]]*$$' || true; \
	  [ "$$ok" = 0 ] || { echo "docs/openapi.yaml does not pass Redocly's lint"; exit 1; }

## sim: the seeded simulation of the whole marketplace with faults (docs/simulation.md): SEED=n one seed, SEEDS=n seeds from FIRST (default 1), STEPS=n per seed; without them, the fixed seeds make test runs
sim: deps
	@./bin/souq-local exec -- $(GO) test -count=1 -timeout 0 -v -run '^TestSim$$' ./tests/sim/ \
	  -sim.seed=$(or $(SEED),0) -sim.seeds=$(or $(SEEDS),0) -sim.first=$(or $(FIRST),1) -sim.steps=$(or $(STEPS),0)

## bench: gateway (healthz, auth, serve vs healthz), serving ceiling (decisions and decision + view pairs vs healthz; decisions with 100 campaigns vs flights and the OpenAdServe peer), console pages (p50/p99, API calls, bytes), ledger, auctions (capacity units), serving (cache hit, capacity per decision and per viewable impression, decisions with 0/1/10/100 campaigns), campaigns (capacity per settlement) and sponsorships (capacity units per transition, 20 concurrent reviewers), referrals (conversions on one program, capacity units), the agent test of the invalid-traffic rules (known and new agents), payouts (claim to paid, rail calls per payout) and the load profile (tests/load: vegeta at fixed rates and at the ceiling) benchmarks
bench: deps
	@./bin/souq-local exec -- $(GO) test -run '^$$' -bench . -benchmem ./infra/local/ ./shared/ledger/ ./shared/accounts/ ./shared/payments/ ./shared/auctions/ ./shared/serving/ ./shared/campaigns/ ./shared/sponsorships/ ./shared/referrals/ ./shared/traffic/ ./tests/load/ ./tests/console/

## build: cross-compile every function to build/<name>/bootstrap for Lambda (linux/arm64)
build: go-deps
	@rm -rf build
	@for dir in functions/*/; do \
	  name=$$(basename $$dir); \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o build/$$name/bootstrap ./functions/$$name || exit 1; \
	  printf '%-12s %6s KiB  build/%s/bootstrap\n' $$name $$(( $$(stat -c %s build/$$name/bootstrap) / 1024 )) $$name; \
	done

## synth: the CloudFormation template of the dev stack (STAGE=prod for prod) into cdk.out/
STAGE ?= dev
synth: deps build
	@rm -rf cdk.out
	@npx --no-install cdk synth --quiet --no-notices --no-version-reporting -c stage=$(STAGE)
	@ls -1 cdk.out/*.template.json

## deploy: deploy a stage to the AWS account in your environment (see docs/deploy.md); never run by tests
deploy: deps build
	@npx --no-install cdk deploy --no-notices -c stage=$(STAGE) --require-approval broadening

deps: check-tools go-deps node_modules/.package-lock.json node_modules/go.mod bin/stripe-mock bin/souq-local bin/aws-lambda-rie

check-tools:
	@command -v $(GO) >/dev/null || { echo "Go is missing: install Go 1.26 (https://go.dev/dl)"; exit 1; }
	@$(GO) version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])' || { echo "Go 1.26 or newer is needed; found: $$($(GO) version)"; exit 1; }
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "Node.js and npm are missing: apt-get install nodejs npm"; exit 1; }
	@command -v gcc >/dev/null || { echo "gcc is missing (the race detector in make test needs cgo): apt-get install gcc"; exit 1; }
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing (make test lints the CloudFormation template): install it with pip install cfn-lint"; exit 1; }
	@command -v java >/dev/null || { echo "Java 17 is missing (DynamoDB Local needs it): apt-get install openjdk-17-jre-headless"; exit 1; }
	@v="$$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"; \
	  [ "$${v%%.*}" -ge 17 ] 2>/dev/null || { echo "Java 17 or newer is needed for DynamoDB Local; found $$v"; exit 1; }

# The browser suite (tests/browser) drives Debian's chromium, never a
# downloaded build: installed with apt-get when missing and root.
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "$${SOUQ_CHROMIUM:-}" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> apt-get install chromium (for the browser tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || { echo "chromium could not be installed with apt-get"; exit 1; }; \
	  else \
	    echo "chromium is missing: the browser tests need Debian's (sudo apt-get install chromium), or set SOUQ_CHROMIUM to a Chromium binary"; exit 1; \
	  fi; }

# Event Ruler, the engine behind EventBridge's patterns (vendored in
# tests/patterns/ruler), and our driver, compiled with javac against
# Debian's jars: tests/patterns matches every event pattern with it and
# with quamina. The jars and javac are installed with apt-get when missing
# and root (only what is missing: nothing installed is upgraded).
RULER_DEBS = libjackson2-core-java libjackson2-databind-java libjackson2-annotations-java libjsr305-java
RULER_JARS = /usr/share/java/jackson-core.jar /usr/share/java/jackson-databind.jar /usr/share/java/jackson-annotations.jar /usr/share/java/jsr305.jar
RULER_SRC = $(shell find tests/patterns/ruler/src tests/patterns/driver -name '*.java' 2>/dev/null)
bin/ruler.jar: $(RULER_SRC) tests/patterns/ruler/README.md
	@need=""; command -v javac >/dev/null || need="openjdk-17-jdk-headless"; \
	  for j in $(RULER_JARS); do [ -f $$j ] || { need="$$need $(RULER_DEBS)"; break; }; done; \
	  if [ -n "$$need" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "==> apt-get install$$need (for Event Ruler in tests/patterns)"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade $$need >/dev/null \
	        || { echo "Event Ruler's jars could not be installed with apt-get"; exit 1; }; \
	    else \
	      echo "Event Ruler (tests/patterns) needs javac and Debian's jars: sudo apt-get install$$need"; exit 1; \
	    fi; \
	  fi
	@echo "==> building $@ (Event Ruler $$(grep -o 'tag `v[^`]*`' tests/patterns/ruler/README.md | tr -d '`' | cut -d' ' -f2))"
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	  out="$$(javac -XDsuppressNotes -nowarn -encoding UTF-8 --release 17 -d "$$tmp/classes" \
	    -cp "$$(echo $(RULER_JARS) | tr ' ' :)" $(RULER_SRC) 2>&1)" || { echo "$$out"; echo "Event Ruler did not compile"; exit 1; }; \
	  printf 'Main-Class: dev.souq.patterns.Match\nClass-Path: %s\n' "$(RULER_JARS)" > "$$tmp/manifest"; \
	  mkdir -p bin && jar --create --file "$$tmp/ruler.jar" --manifest "$$tmp/manifest" -C "$$tmp/classes" . && mv "$$tmp/ruler.jar" $@

go-deps:
	@$(GO) mod download || { echo "Go modules could not be downloaded: check the Go module proxy (GOPROXY=$$($(GO) env GOPROXY))"; exit 1; }

node_modules/.package-lock.json: package.json package-lock.json
	@echo "==> npm ci"
	@npm ci --no-audit --no-fund --loglevel=error || { echo "npm packages could not be installed: check the npm registry"; exit 1; }

# Written by package.json's postinstall too; this covers an npm run with
# --ignore-scripts.
node_modules/go.mod: node_modules/.package-lock.json
	@printf '// npm packages, not Go: this file keeps go build ./... and go vet ./... out of them.\nmodule souq.invalid/node_modules\n' > $@

# stripe-mock's version is pinned by the tool directive in go.mod.
bin/stripe-mock: go.mod go.sum
	@echo "==> building stripe-mock"
	@$(GO) build -o $@ github.com/stripe/stripe-mock

# AWS's Lambda Runtime Interface Emulator, for SOUQ_RUNTIME=rie and the
# smoke suite of the functions' real binaries (infra/local/rie.go, whose
# RIEVersion this must equal). Installed at its pseudo-version with go
# install, never as a go.mod tool: its dependencies must not move ours.
# Installed again whenever the binary there is not that version.
RIE_MODULE = github.com/aws/aws-lambda-runtime-interface-emulator
RIE_VERSION = v0.0.0-20261030222936-bef5c4ba774d
bin/aws-lambda-rie: FORCE
	@$(GO) version -m $@ 2>/dev/null | grep -q "$(RIE_MODULE)[[:space:]]*$(RIE_VERSION)" || { \
	  echo "==> installing aws-lambda-rie $(RIE_VERSION)"; \
	  GOBIN="$(CURDIR)/bin" $(GO) install $(RIE_MODULE)/cmd/aws-lambda-rie@$(RIE_VERSION) \
	    || { echo "aws-lambda-rie could not be installed: check the Go module proxy (GOPROXY=$$($(GO) env GOPROXY))"; exit 1; }; }

bin/souq-local: FORCE
	@$(GO) build -o $@ ./infra/local/cmd/souq-local

FORCE:

clean:
	rm -rf bin build cdk.out .souq
