#!/bin/sh
# Install the Debian packages Infuus needs that are missing on this machine.
# Usage: tools/deps.sh run|test|bench|fuzz
#        tools/deps.sh list run|test|bench|fuzz|test-only   (print, install nothing)
# Needs root for apt-get (as on the project's machines); prints what it does.
set -eu

run="meson ninja-build pkg-config gcc libc6-dev gettext locales tzdata
  libmicrohttpd-dev libsqlite3-dev libpq-dev libsodium-dev liboath-dev
  libjansson-dev libcmark-dev libcurl4-openssl-dev libical-dev python3
  libcairo2-dev libpango1.0-dev"
test="$run libcmocka-dev postgresql python3-aiosmtpd tidy libxml2-utils
  chromium valgrind clang libclang-rt-14-dev faketime poppler-utils coturn
  python3-icalendar python3-vobject khal"
bench="$run nginx-light wrk postgresql"
fuzz="$run clang libclang-rt-14-dev"

# What only the tests need (tests/newcomer hides it from the run build),
# with the Node.js the browser tests add below.
if [ "${1:-}" = list ]; then
	case "${2:-}" in
	run|test|bench|fuzz) eval "echo \$$2" ;;
	test-only)
		for p in $test nodejs npm; do
			case " $(echo $run) " in *" $p "*) ;; *) echo "$p" ;; esac
		done
		;;
	*) echo "usage: $0 list run|test|bench|fuzz|test-only" >&2; exit 2 ;;
	esac
	exit 0
fi

case "${1:-run}" in
run) want=$run ;;
test) want=$test ;;
bench) want=$bench ;;
fuzz) want=$fuzz ;;
*) echo "usage: $0 run|test|bench|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
# Node.js may come from another repository than Debian's (npm then ships
# inside the nodejs package): only ask Debian for it when node is absent.
if [ "${1:-run}" = test ] && ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
ensure_locale() {
	# The pages' languages need their locales for gettext (uselocale).
	for l in nl_NL en_GB; do
		if ! locale -a 2>/dev/null | grep -qi "^$l\.utf-\?8\$"; then
			if [ "$(id -u)" = 0 ] && command -v localedef >/dev/null 2>&1; then
				echo "deps: generating the $l.UTF-8 locale"
				localedef -i "$l" -c -f UTF-8 "$l.UTF-8" || true
			fi
		fi
	done
}
if [ -z "$missing" ]; then
	ensure_locale
	exit 0
fi
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; please run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || true
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
ensure_locale
