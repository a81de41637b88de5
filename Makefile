# pysignal - the two commands of the README are `make demo` and `make test`.
GO      ?= go
CC      ?= gcc
BUILD   := build
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all demo test test-arm64 binfmt-arm64 fmtcheck tidy vet staticcheck gotest portable conformance difffuzz fuzz-cpython ctest asyncsafe bench benchprogs soak fuzz clean

# make fuzz FUZZTIME=10m fuzzes the API against the model (make test runs the seeds).
FUZZTIME ?= 2m

# make soak SOAK=10m runs the storm soak for that long (make test runs it for 20s).
SOAK ?= 5m

all: test

## demo: the short tour (Ctrl-C / a raised SIGINT interrupting a blocking read)
demo:
	$(GO) run ./cmd/pysig demo

## test: every check CI runs
test: fmtcheck tidy vet staticcheck gotest conformance difffuzz portable ctest asyncsafe

fmtcheck:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# go.mod and go.sum list exactly what the code imports.
tidy:
	$(GO) mod tidy -diff

vet:
	$(GO) vet ./...

# staticcheck, pinned: go run fetches this exact version through the module
# proxy (cached after the first run), so it needs no install step. Its
# default checks plus ST1003 (initialisms in names: UID, not Uid).
STATICCHECK_VERSION := v0.8.2
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -checks inherit,ST1003 ./...

# TestConformance runs in its own target, verbose, so that every run
# prints the suite's line count and each expected difference.
gotest:
	$(GO) test -race -count=1 -timeout 8m -skip '^TestConformance$$' ./...

## portable: where pysignal cannot work (not Linux, or cgo off) it still
## compiles (every package and test, vetted), and every function says what
## is missing. Windows is out: the API
## uses x/sys/unix types (unix.Signal, unix.Sockaddr, ...) that it lacks.
PORTABLE := darwin/arm64 freebsd/amd64 linux/amd64
portable:
	CGO_ENABLED=0 $(GO) test -count=1 -run '^TestUnsupported$$' .
	@for t in $(PORTABLE); do \
		echo "CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/}: go build ./cmd/pysig, go vet ./..."; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/pysig || exit 1; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./... || exit 1; \
	done

## conformance: the differential suite against every CPython 3.10+ found
## (make test runs it and prints its report; PYSIGNAL_PYTHONS names interpreters)
conformance:
	$(GO) test -count=1 -v -run '^TestConformance$$' ./conformance

## difffuzz: random programs in CPython and Go, compared (2,000 per CPython found)
difffuzz:
	DIFFFUZZ_N=2000 $(GO) test -count=1 -v -run '^TestDiffFuzz$$' ./conformance/difffuzz

## fuzz-cpython: the differential fuzzer for as long as asked:
## make fuzz-cpython FUZZTIME=30m (default 2m) or FUZZN=100000 (programs per
## CPython), FUZZSEED=n (default: the time), FUZZFINDINGS=n distinct
## differences before stopping (default 10), PYSIGNAL_PYTHONS to pick CPythons
FUZZN ?= 1000000000
FUZZSEED ?= $(shell date +%s)000
FUZZFINDINGS ?= 10
fuzz-cpython:
	DIFFFUZZ_N=$(FUZZN) DIFFFUZZ_TIME=$(FUZZTIME) DIFFFUZZ_SEED=$(FUZZSEED) DIFFFUZZ_FINDINGS=$(FUZZFINDINGS) \
		$(GO) test -count=1 -v -timeout 0 -run '^TestDiffFuzz$$' ./conformance/difffuzz

## ctest: the C core on its own, under AddressSanitizer and UBSan
ctest: $(BUILD)/handler_test
	./$(BUILD)/handler_test

$(BUILD)/handler_test: csrc/handler_test.c handler.c handler.h | $(BUILD)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g $(SANFLAGS) -I. \
		csrc/handler_test.c handler.c -o $@

## asyncsafe: the handler's object code calls only async-signal-safe functions
asyncsafe: $(BUILD)/handler.o $(BUILD)/bad_handler.o
	$(GO) run ./internal/asyncsafe -entry pysig_handler,pysig_trip_signal,pysig_nudge $(BUILD)/handler.o
	@if $(GO) run ./internal/asyncsafe -entry pysig_handler $(BUILD)/bad_handler.o >/dev/null 2>&1; then \
		echo "asyncsafe: the checker accepted csrc/testdata/bad_handler.c (it must refuse it)"; exit 1; \
	else echo "asyncsafe: checker refuses csrc/testdata/bad_handler.c, as it must"; fi

# The same optimisation level cgo uses by default, with one section per
# function so the checker can follow the handler's own code only.
$(BUILD)/handler.o: handler.c handler.h | $(BUILD)
	$(CC) -O2 -g -ffunction-sections -fdata-sections -I. -c handler.c -o $@

$(BUILD)/bad_handler.o: csrc/testdata/bad_handler.c | $(BUILD)
	$(CC) -O2 -g -ffunction-sections -fdata-sections -I. -c $< -o $@

$(BUILD):
	mkdir -p $@

## test-arm64: linux/arm64, cross-built with Debian's gcc-aarch64-linux-gnu
## and run under qemu-user (qemu-user-static): the Go suite and sigtest (children the
## tests re-exec run through binfmt_misc), the C core test, and the
## async-signal-safety check of the arm64 object code. No race detector and
## no sanitizers (neither runs under qemu-user), and a 5 s storm soak: qemu
## is slow. .ci/run installs the packages and runs it.
ARM64_CC      ?= aarch64-linux-gnu-gcc
ARM64_SYSROOT ?= /usr/aarch64-linux-gnu
ARM64_RUN     := QEMU_LD_PREFIX=$(ARM64_SYSROOT) PYSIGNAL_QEMU=qemu-aarch64 PYSIGNAL_SOAK=5s
test-arm64: binfmt-arm64 | $(BUILD)
	CGO_ENABLED=1 GOARCH=arm64 CC=$(ARM64_CC) $(GO) vet ./...
	CGO_ENABLED=1 GOARCH=arm64 CC=$(ARM64_CC) $(GO) test -c -o $(BUILD)/pysignal-arm64.test .
	$(ARM64_RUN) ./$(BUILD)/pysignal-arm64.test -test.v -test.count=1 -test.timeout=8m
	CGO_ENABLED=1 GOARCH=arm64 CC=$(ARM64_CC) $(GO) test -c -o $(BUILD)/sigtest-arm64.test ./sigtest
	$(ARM64_RUN) ./$(BUILD)/sigtest-arm64.test -test.count=1 -test.timeout=4m
	$(ARM64_CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -I. \
		csrc/handler_test.c handler.c -o $(BUILD)/handler_test-arm64
	$(ARM64_RUN) ./$(BUILD)/handler_test-arm64
	$(ARM64_CC) -O2 -g -ffunction-sections -fdata-sections -I. -c handler.c -o $(BUILD)/handler-arm64.o
	$(GO) run ./internal/asyncsafe -entry pysig_handler,pysig_trip_signal,pysig_nudge $(BUILD)/handler-arm64.o

# Registers qemu-aarch64 with binfmt_misc (root), so that an arm64 binary,
# and every child it starts, runs under qemu like a native one.
binfmt-arm64:
	@if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then \
		[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || exit 1; \
		cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register || \
		{ echo "binfmt-arm64: cannot register qemu-aarch64 with binfmt_misc (needs root and qemu-user-static)"; exit 1; }; \
	fi; grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64

## fuzz: random API call sequences against a model of CPython's rules
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzModel$$' -fuzztime $(FUZZTIME) .

## soak: the storm soak, longer (SOAK=duration)
soak:
	PYSIGNAL_SOAK=$(SOAK) $(GO) test -race -count=1 -timeout 0 -run '^TestStormSoak$$' -v .

BENCHPROGS := $(BUILD)/latency_floor $(BUILD)/ossignal_latency $(BUILD)/libbenchsender.so
SENDER := internal/benchsender/sender.c internal/benchsender/sender.h

## bench: the Go benchmarks, then pysig bench (against os/signal, CPython, C)
bench: $(BENCHPROGS)
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	$(GO) run ./cmd/pysig bench

## benchprogs: the other implementations pysig bench runs (C floor, os/signal, CPython's sender)
benchprogs: $(BENCHPROGS)

$(BUILD)/latency_floor: internal/benchsender/floor/latency_floor.c $(SENDER) | $(BUILD)
	$(CC) -O2 -Wall -Wextra -pthread $< -o $@

$(BUILD)/libbenchsender.so: $(SENDER) | $(BUILD)
	$(CC) -O2 -Wall -Wextra -pthread -shared -fPIC $< -o $@

$(BUILD)/ossignal_latency: internal/bench/ossignal/main.go internal/bench/roundtrip/roundtrip.go internal/benchsender/sender.go internal/benchsender/flood.go $(SENDER) | $(BUILD)
	$(GO) build -o $@ ./internal/bench/ossignal

clean:
	rm -rf $(BUILD)
