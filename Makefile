GO       ?= go
FUZZTIME ?= 30s
# Every fuzz target, as package:Target.
FUZZ_TARGETS = ./aof:FuzzScanner ./aof:FuzzParseManifest ./rdb:FuzzDecode ./rdb:FuzzDecodePayload

.PHONY: build test bench fuzz vet

build:
	$(GO) build -o aofkit .

vet:
	gofmt -l . | grep -v '^testdata/' | (! grep .) || (echo "gofmt needed"; exit 1)
	$(GO) vet ./...

# All tests. Tests that need a real redis-server skip when it is missing, unless
# AOFKIT_REQUIRE_REDIS=1 (CI sets it). AOFKIT_LONG=1 runs the long modes.
test: vet
	$(GO) test -count=1 -timeout 40m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Runs each fuzz target for FUZZTIME (make fuzz FUZZTIME=10m).
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; \
	  echo "== $$name ($$pkg, $(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done
