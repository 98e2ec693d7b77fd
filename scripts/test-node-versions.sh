#!/usr/bin/env bash
# Runs the test suite on Node 22 and 24 (this repository's own Node, 20, runs it in `npm test`).
# The Node binaries come from the npm registry's `node` package (no other download), cached in
# $NODE_VERSIONS_DIR (default ~/.cache/paying-fetch-node). Usage: scripts/test-node-versions.sh [major ...]
#
# The embedded store runs on node:sqlite where the runtime has it (Node >= 22.13), else on
# better-sqlite3, a native module built for the Node that ran `npm ci`. The script first checks that
# an embedded store opens on the target Node; only where none can (an older 22, say), the files that
# need it (the embedded and shared-store suites, the CLI, the multi-process runs) are left out, and
# the script says so. Everything else always runs.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24)
cache="${NODE_VERSIONS_DIR:-$HOME/.cache/paying-fetch-node}"

# Files that open the embedded store (better-sqlite3) or run the CLI, which uses it by default.
needs_embedded=(
  'test/cli/**'
  test/store/embedded.test.ts
  test/store/store-contract.test.ts
  test/store/store-errors.test.ts
  test/store/ledger-tallies.test.ts
  test/store/memory-bounds.test.ts
  test/store/multi-process.test.ts
  test/providers/pack-concurrency.test.ts
  test/providers/pending-purchase.test.ts
  test/hostile/store-faults.test.ts
  test/hostile/secrets-and-liveness.test.ts
  test/insight/fleet.test.ts
  test/e2e/env.test.ts
  test/sdks/examples.test.ts
)

[ -f dist/index.js ] || npx tsup --silent
status=0
for major in "${versions[@]}"; do
  dir="$cache/$major"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    echo "== installing node@$major from the npm registry into $dir"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" "node@$major" >/dev/null
  fi
  bin="$(cd "$dir/node_modules/.bin" && pwd)"
  version="$("$bin/node" --version)"
  # Can the embedded store open on this Node (node:sqlite or a matching better-sqlite3 build)?
  probe='const d=(await import("node:fs")).mkdtempSync((await import("node:os")).tmpdir()+"/pf-probe-"); const {EmbeddedStore}=await import("./dist/index.js"); await new EmbeddedStore(d).close();'
  excludes=()
  if ! PATH="$bin:$PATH" node --input-type=module -e "$probe" >/dev/null 2>&1; then
    echo "== Node $version: the embedded store cannot open (no node:sqlite, and better-sqlite3 is built for $(node --version)): leaving out ${#needs_embedded[@]} files that need it"
    for f in "${needs_embedded[@]}"; do excludes+=(--exclude "$f"); done
  fi
  echo "== Node $version: vitest"
  started=$SECONDS
  # PATH first: vitest's workers and every `node` a test spawns are this Node too.
  if ! PATH="$bin:$PATH" node node_modules/vitest/vitest.mjs run "${excludes[@]}"; then
    echo "!!! the suite failed on Node $version !!!" >&2
    status=1
  fi
  echo "== Node $version: $((SECONDS - started)) s"
done
exit $status
