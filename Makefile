# runos: build and test.
#
#   make build   builds bin/runos
#   make test    installs missing test tools, then vet, gofmt check, go test
#   make deps    only installs the missing test tools (apt, as root)
#   make xv6     builds runos and xv6's user programs, then starts xv6's
#                shell on the terminal (docs/personality-xv6.md)

GO       ?= go
# The whole suite is sized for well under 20 minutes on 2 cores; the
# timeout only stops a hung run.
TESTTIMEOUT ?= 15m

.PHONY: all build test deps vet fmtcheck gotest clean xv6 xv6-root

all: build

build:
	$(GO) build -o bin/runos ./cmd/runos

# deps installs what the tests need and the base image may lack: musl-gcc
# (musl-tools) for the musl guests, busybox-static for the compatibility
# programs, and git, sqlite3 and the system's python3 that
# tests/files_test.go runs under runos. apt-get update runs only when
# something is missing.
deps:
	@missing=""; \
	command -v musl-gcc >/dev/null 2>&1 || missing="$$missing musl-tools"; \
	dpkg-query -W -f='$${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing="$$missing busybox-static"; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc libc6-dev"; \
	command -v bash >/dev/null 2>&1 || missing="$$missing bash"; \
	command -v sha256sum >/dev/null 2>&1 || missing="$$missing coreutils"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	command -v sqlite3 >/dev/null 2>&1 || missing="$$missing sqlite3"; \
	[ -x /usr/bin/python3 ] || missing="$$missing python3"; \
	command -v tar >/dev/null 2>&1 || missing="$$missing tar"; \
	if [ -z "$$missing" ]; then \
		echo "deps: all test tools present"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "deps: not root, skipping install of:$$missing (tests that need them will skip or fail)"; \
	else \
		echo "deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

vet:
	$(GO) vet ./...

fmtcheck:
	@files="$$(gofmt -l .)"; \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

gotest:
	$(GO) test -timeout $(TESTTIMEOUT) ./...

test: deps vet fmtcheck gotest

# XV6ROOT is the directory that becomes xv6's / : the programs top-level,
# as in xv6's file system image, and a README.
XV6ROOT ?= build/xv6-root

xv6-root:
	$(GO) run ./personality/custom/xv6/cmd/mkroot $(XV6ROOT)

xv6: build xv6-root
	bin/runos --personality=xv6 --root $(XV6ROOT) /init

clean:
	rm -rf bin build
