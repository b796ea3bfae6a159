#!/bin/sh
# 41-events.sh - the event bus of one node (issue 10):
#   event_new_scope_full_vs_room   a publish to a scope the bus has not
#                                  seen, on a bus whose table of scopes is
#                                  full (LIMIT_EVENT_SCOPES: the publish
#                                  drops the scope without streams used
#                                  longest ago) over one on a bus whose
#                                  table, as large, has room; 2,000 scopes
#                                  of each have a stream.  The publish
#                                  holds the bus's lock, so a long-running
#                                  node must not pay for each scope it has
#                                  seen: target <= 2
# with the two costs themselves (event_new_scope_room_us, _full_us).
#
#   sh bench/41-events.sh BUILDDIR        (bench/run calls it)
# BENCH_EVENT_ROUNDS (default 21) and BENCH_EVENT_NEW (default 2000) set
# the rounds and the new scopes a round.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

eb="$BENCH_BUILD/bench/event_bench"
[ -x "$eb" ] || { echo "bench: no $eb (ninja -C $BENCH_BUILD)" >&2; exit 1; }
set -- $("$eb" "${BENCH_EVENT_ROUNDS:-21}" "${BENCH_EVENT_NEW:-2000}")
[ "$1" = room_us ] && [ "$3" = full_us ] || {
	echo "bench: event_bench said: $*" >&2
	exit 1
}
ratio=$(awk -v a="$4" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
bench_line event_new_scope_room_us "$2" us
bench_line event_new_scope_full_us "$4" us
bench_line event_new_scope_full_vs_room "$ratio" ratio
bench_target_max event_new_scope_full_vs_room "$ratio" 2
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
