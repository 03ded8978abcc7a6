# The two commands of the README: `make run` and `make test`.

# Build with the toolchain go.mod names (a patched standard library), which
# the go command fetches through the module proxy when it is not installed.
export GOTOOLCHAIN := auto
.PHONY: run test assets build

NODE_MODULES := web/node_modules/.package-lock.json
VENDOR := web/assets/vendor

run: assets
	go run ./cmd/opname serve --demo

test: assets
	go test -race -count=1 ./...

build: assets
	go build -o opname ./cmd/opname

# The NL Design System stylesheets come from npm at build time and are
# embedded in the binary; they are not committed.
assets: $(VENDOR)/component-library.css $(VENDOR)/design-tokens.css

$(NODE_MODULES): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/component-library.css: $(NODE_MODULES)
	cp web/node_modules/@utrecht/component-library-css/dist/index.css $@

$(VENDOR)/design-tokens.css: $(NODE_MODULES)
	cp web/node_modules/@utrecht/design-tokens/dist/index.css $@
