#!/bin/sh
# Browser tests: playwright-core drives Debian's chromium against a real
# Infuus server; axe-core checks every page visited for WCAG 2.1 A and AA.
#
# Usage: INFUUS_BUILD=builddir [INFUUS_TOP=srcdir] sh tests/browser/run.sh
# Optional: INFUUS_BROWSER_SHOTS=dir (screenshots; default a temp dir),
#           INFUUS_CHROMIUM=path (default /usr/bin/chromium).
# Ends with "result: N passed, N failed"; exit status non-zero on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export INFUUS_TOP="${INFUUS_TOP:-$(cd "$here/../.." && pwd)}"

fail() {
	echo "browser: $*"
	echo "result: 0 passed, 1 failed"
	exit 1
}

[ -n "${INFUUS_BUILD:-}" ] || fail "INFUUS_BUILD is not set"
[ -x "$INFUUS_BUILD/infuus" ] || fail "no $INFUUS_BUILD/infuus"
command -v node >/dev/null 2>&1 || fail "node is not installed"
chromium=${INFUUS_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || fail "no chromium at $chromium"

# Install the pinned packages when node_modules is missing or was made
# from another package-lock.json.
stamp="$here/node_modules/.infuus-lock"
if ! cmp -s "$here/package-lock.json" "$stamp" 2>/dev/null; then
	echo "browser: npm ci"
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) ||
		fail "npm ci failed"
	cp "$here/package-lock.json" "$stamp"
fi

out=$(mktemp /tmp/infuus-browser-out.XXXXXX)
node "$here/suite.js" 2>&1 | tee "$out"
last=$(grep '^result: [0-9]* passed, [0-9]* failed' "$out" | tail -n 1)
rm -f "$out"
if [ -z "$last" ]; then
	# node died before its summary: say so in the counted form.
	echo "browser: the suite ended without a summary"
	echo "result: 0 passed, 1 failed"
	exit 1
fi
case "$last" in
*" 0 failed") exit 0 ;;
*) exit 1 ;;
esac
