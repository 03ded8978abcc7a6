# The commands of the README: `make run`, `make test`, `make assets`.

# Build with the toolchain go.mod names (a patched standard library), which
# the go command fetches through the module proxy when it is not installed.
export GOTOOLCHAIN := auto
.PHONY: run test assets build

NODE_MODULES := web/node_modules/.package-lock.json
VENDOR := web/assets/vendor

# The browser tests take several minutes on two cores; go test's default
# of ten minutes for the whole package is too tight for cmd/opname, and
# a machine shared with other work can take twice its usual 20 minutes.
TEST_TIMEOUT ?= 70m

# The first build fetches the Go toolchain and modules and takes minutes
# on a small machine: say so, and say when the program starts.
run:
	@echo "opname: building bin/opname (the first time this takes a few minutes) ..."
	go build -o bin/opname ./cmd/opname
	@echo "opname: starting with the demo organisations; it prints its address and the sign-in links. Stop it with Ctrl-C."
	./bin/opname serve --demo

# The browser tests drive Chromium with the npm packages in web/node_modules.
test: $(NODE_MODULES)
	go test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

build:
	go build -o opname ./cmd/opname

# The NL Design System stylesheets and the browser libraries are embedded
# in the binary and committed, so that `go build` alone makes a complete
# program. This target makes them again from the packages
# web/package-lock.json locks: it copies the stylesheets and bundles the
# entry files in web/bundles with esbuild (web/bundles/build.mjs);
# .ci/run checks that the result equals what is committed.
assets: $(NODE_MODULES)
	cp web/node_modules/@utrecht/design-tokens/dist/index.css $(VENDOR)/design-tokens.css
	cp web/node_modules/@utrecht/component-library-css/dist/index.css $(VENDOR)/component-library.css
	node web/bundles/build.mjs

$(NODE_MODULES): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
