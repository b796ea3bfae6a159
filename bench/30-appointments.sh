#!/bin/sh
# 30-appointments.sh - appointments (issue 13) on the real modules, in one
# run of appt_bench on a SQLite database of its own:
#
#   sh bench/30-appointments.sh BUILDDIR     (bench/run calls it)
#
# Figures: slots_5y_vs_empty (open slots of the next 8 weeks with five
# years of appointments over an empty agenda; target <= 2),
# booking_race_ok (64 clients booking the same 10 slots at once; must be
# 10), booking_rps, ical_feed_10k_ms (10,000 events listed and written
# through libical).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
prog="$build/bench/appt_bench"
[ -x "$prog" ] || { echo "bench: no $prog (ninja -C $build)" >&2; exit 1; }
dir=$(mktemp -d /tmp/infuus-bench-appt.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$prog" --dir "$dir" >"$dir/out" 2>"$dir/err" || {
	cat "$dir/out" "$dir/err"; echo "bench: appt_bench failed" >&2; exit 1; }
cat "$dir/out"
ratio=$(awk '$2 == "slots_5y_vs_empty" { print $3 }' "$dir/out")
race=$(awk '$2 == "booking_race_ok" { print $3 }' "$dir/out")
missed=0
awk -v r="$ratio" 'BEGIN { exit !(r <= 2) }' || {
	echo "bench: slots_5y_vs_empty $ratio misses its target (<= 2)"; missed=1; }
[ "$race" = 10 ] || { echo "bench: booking_race_ok $race, not 10"; missed=1; }
[ "$missed" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
