# Two commands set everything up on a fresh machine (see README.md):
#   make run    build both binaries and run the supervisor on the embedded default config
#   make test   the whole test suite, race detector on, with a per-package count of
#               tests run, passed, failed and skipped; under CI=true a skip not on
#               .ci/skips-allowed.txt fails the run
#   make mutate mutation testing of the core packages (slow; see mutate/run)
#   make dist   release files in dist/: archives, .deb, .rpm, the image, SHA256SUMS
GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# packaging/gcflags.txt says why; make dist and make bench read it too.
GCFLAGS  := $(shell grep -v '^\#' packaging/gcflags.txt)
PKGS     := ./...
STATICCHECK := v0.8.2
CROSS    := windows/amd64 darwin/arm64 linux/arm64 linux/arm linux/mipsle

.PHONY: build run test lint cross bench chaos soak mutate dist clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' $(GCFLAGS) -o $(BIN)/ ./cmd/supervisor ./cmd/updater

run: build
	$(BIN)/supervisor run

test: build lint
	$(GO) run ./.ci/gotest -allow .ci/skips-allowed.txt -- -race -timeout 15m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet $(PKGS) ./.ci/gotest
	GOOS=windows GOARCH=amd64 $(GO) vet $(PKGS)
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)
	# 32-bit: an untyped constant that overflows int breaks only the router builds
	GOOS=linux GOARCH=arm GOARM=7 $(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) $(PKGS)

# Router and desktop builds, stripped; mipsle uses soft float for routers without an FPU.
cross:
	@for t in $(CROSS); do \
		os=$${t%/*}; arch=$${t#*/}; out=dist/$$os-$$arch; ext=; [ $$os = windows ] && ext=.exe; \
		GOOS=$$os GOARCH=$$arch GOMIPS=softfloat GOARM=7 CGO_ENABLED=0 \
			$(GO) build -trimpath -ldflags '$(LDFLAGS)' $(GCFLAGS) -o $$out/supervisor$$ext ./cmd/supervisor || exit 1; \
		GOOS=$$os GOARCH=$$arch GOMIPS=softfloat GOARM=7 CGO_ENABLED=0 \
			$(GO) build -trimpath -ldflags '$(LDFLAGS)' $(GCFLAGS) -o $$out/updater$$ext ./cmd/updater || exit 1; \
		printf '%-16s supervisor %6d KiB   updater %6d KiB\n' $$t \
			$$(( $$(stat -c %s $$out/supervisor$$ext) / 1024 )) $$(( $$(stat -c %s $$out/updater$$ext) / 1024 )); \
	done

# Release files (see packaging/dist): an archive per CROSS target and
# linux/amd64, .deb and .rpm packages, the container image (buildah) and
# SHA256SUMS.
dist:
	$(GO) run ./packaging/dist -version '$(VERSION)' -targets 'linux/amd64 $(CROSS)'

bench: build
	./bench/run

chaos: build
	./chaos/run

# Not part of `make test`: 1,000 status and /healthz requests per second on
# fresh loopback connections for SOAK_DURATION (default 10m), then the
# supervisor's RSS and descriptors at start and end; SOAK_CHILD_LOG=10000000
# makes the child log 10 MB/s meanwhile.
SOAK_DURATION  ?= 10m
SOAK_CHILD_LOG ?= 0
soak: build
	$(GO) run ./soak -bin $(BIN) -duration $(SOAK_DURATION) -child-log $(SOAK_CHILD_LOG)

# Not part of `make test` or .ci/run: it runs each package's tests once per
# mutant. Run it before closing an issue that touches a core package.
mutate:
	./mutate/run

clean:
	rm -rf $(BIN) dist
