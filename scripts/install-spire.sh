#!/usr/bin/env bash
# Builds spire-server and spire-agent at a pinned version from the Go module proxy
# into the gitignored .cache/spire/<version>/bin/, reusing cached binaries when present.
#
# Usage: bash scripts/install-spire.sh            (version from SPIRE_VERSION, default below)
# Progress and errors go to stderr; the bin directory is the last line of stdout.
# Exits non-zero, saying what is missing or which step failed, whenever the binaries are not there
# at the end: `npm run test:spire` then fails instead of skipping the suite.
set -euo pipefail

SPIRE_VERSION="${SPIRE_VERSION:-v1.15.3}"
GO_MIN="1.26.6" # SPIRE v1.15.x needs Go >= 1.26.6 (the `go` line of its go.mod)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${SPIRE_BIN_DIR:-$repo_root/.cache/spire/$SPIRE_VERSION/bin}"

t_start=$(date +%s)
log() { echo "install-spire: [+$(($(date +%s) - t_start))s] $*" >&2; }
reported=""
fail() {
  reported=1
  echo "install-spire: ERROR: $*" >&2
  echo "install-spire: SPIRE $SPIRE_VERSION was not installed in $bin_dir; the real-SPIRE suite cannot run." >&2
  exit 1
}

if [[ -x "$bin_dir/spire-server" && -x "$bin_dir/spire-agent" ]]; then
  echo "install-spire: spire $SPIRE_VERSION cached in $bin_dir" >&2
  echo "$bin_dir"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  fail "Go is not installed (or not on PATH); SPIRE $SPIRE_VERSION needs Go >= $GO_MIN. Install Go from https://go.dev/dl/ or put prebuilt spire-server/spire-agent in $bin_dir"
fi

# `go version` prints e.g. "go version go1.26.8 linux/amd64" (or go1.27rc1).
go_ver="$(go version | awk '{print $3}' | sed -e 's/^go//' -e 's/[^0-9.].*$//')"
version_ge() { # version_ge A B: A >= B
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}
if [[ -z "$go_ver" ]] || ! version_ge "$go_ver" "$GO_MIN"; then
  fail "$(go version) is too old; SPIRE $SPIRE_VERSION needs Go >= $GO_MIN."
fi

if ! command -v "${CC:-gcc}" >/dev/null 2>&1; then
  fail "spire-server needs cgo (SQLite): no C compiler (${CC:-gcc}) found."
fi

# From here on, any failing command ends the script with a message naming the step.
step="start"
server_dir=""
mod_dir=""
cleanup_failed() {
  local rc=$?
  rm -f "$bin_dir/spire-server.tmp" "$bin_dir/spire-agent.tmp"
  if [[ -n "$server_dir" && "$server_dir" != "$mod_dir" ]]; then rm -rf "$server_dir"; fi
  if [[ $rc -ne 0 && -z "$reported" ]]; then
    echo "install-spire: ERROR: step \"$step\" failed (exit $rc) after $(($(date +%s) - t_start))s; see the output above." >&2
    echo "install-spire: SPIRE $SPIRE_VERSION was not installed in $bin_dir; the real-SPIRE suite cannot run." >&2
  fi
}
trap cleanup_failed EXIT

mkdir -p "$bin_dir"
log "building spire-server and spire-agent $SPIRE_VERSION with go$go_ver ($(go env GOOS)/$(go env GOARCH)) into $bin_dir; the first build takes minutes"

# `go install <pkg>@<version>` would be the one-liner, but it also asks the proxy for the module's
# version list (to report deprecations), and a proxy that serves only pinned versions answers 403.
# So: download the pinned module (its go.mod/go.sum pin every dependency) and build inside it.
# Stay on the local toolchain (checked above); never auto-download another one.
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=readonly"
step="download github.com/spiffe/spire@$SPIRE_VERSION (GOPROXY=$(go env GOPROXY))"
log "$step"
dl_json="$(go mod download -json "github.com/spiffe/spire@$SPIRE_VERSION" 2>&1 || true)"
mod_dir="$(printf '%s\n' "$dl_json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$mod_dir" || ! -f "$mod_dir/go.mod" ]]; then
  dl_err="$(printf '%s\n' "$dl_json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p')"
  fail "could not download github.com/spiffe/spire@$SPIRE_VERSION from the Go module proxy: ${dl_err:-$dl_json}"
fi
log "module in $mod_dir"

# The server compiles in every built-in plugin. The EJBCA UpstreamAuthority plugin's SDK
# (github.com/Keyfactor/ejbca-go-client-sdk) is not served by every module proxy (403). The tests
# never use that plugin, so when its module cannot be downloaded, build the server from a copy of
# the source whose plugin catalog leaves it out (the module cache itself is never modified, and
# Go refuses -overlay for files in the module cache).
server_dir="$mod_dir"
ejbca_mod="github.com/Keyfactor/ejbca-go-client-sdk"
step="check $ejbca_mod"
ejbca_ver="$(cd "$mod_dir" && go list -m -f '{{.Version}}' "$ejbca_mod" 2>/dev/null || true)"
if [[ -n "$ejbca_ver" ]] && ! (cd "$mod_dir" && go mod download "$ejbca_mod@$ejbca_ver") >/dev/null 2>&1; then
  log "$ejbca_mod@$ejbca_ver is not available from the module proxy; building spire-server without the EJBCA UpstreamAuthority plugin"
  step="prepare a copy of the source without the EJBCA plugin"
  server_dir="$(dirname "$bin_dir")/src"
  rm -rf "$server_dir"
  cp -r "$mod_dir" "$server_dir"
  chmod -R u+w "$server_dir"
  catalog="$server_dir/pkg/server/catalog/upstreamauthority.go"
  grep -v -e 'plugin/upstreamauthority/ejbca"' -e 'ejbca\.BuiltIn()' "$mod_dir/pkg/server/catalog/upstreamauthority.go" >"$catalog"
  rm -rf "$server_dir/pkg/server/plugin/upstreamauthority/ejbca"
fi

step="go build spire-server (CGO_ENABLED=1, CC=${CC:-gcc})"
log "$step"
t0=$(date +%s)
(cd "$server_dir" && CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o "$bin_dir/spire-server.tmp" ./cmd/spire-server)
log "spire-server built in $(($(date +%s) - t0))s"
# The agent needs no cgo, but building it with the server's settings reuses the server's compiled
# packages (CGO_ENABLED=0 would change nearly every package's build key and compile it all again).
step="go build spire-agent"
log "$step"
t0=$(date +%s)
(cd "$server_dir" && CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o "$bin_dir/spire-agent.tmp" ./cmd/spire-agent)
log "spire-agent built in $(($(date +%s) - t0))s"

step="check the built binaries"
for b in spire-server spire-agent; do
  v="$("$bin_dir/$b.tmp" --version 2>&1 || true)"
  [[ "$v" == *"${SPIRE_VERSION#v}"* ]] || fail "$b --version printed \"$v\", expected $SPIRE_VERSION"
done
# Rename only after both built and answer, so a half-done build is never taken for a cached one.
mv -f "$bin_dir/spire-server.tmp" "$bin_dir/spire-server"
mv -f "$bin_dir/spire-agent.tmp" "$bin_dir/spire-agent"
log "built spire $SPIRE_VERSION in $(($(date +%s) - t_start))s ($("$bin_dir/spire-server" --version 2>&1 || true))"
echo "$bin_dir"
