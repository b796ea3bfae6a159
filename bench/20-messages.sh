#!/bin/sh
# 20-messages.sh - posting messages: msg_post (sealed, search-indexed,
# audit-logged, committed by group commit) from 64 threads against raw
# SQLite inserting the same row one transaction per insert, both durable
# when a row counts (raw: synchronous=FULL; Infuus: after the store's
# fdatasync of the WAL), on the same disk, in one run of post_bench.
#
#   sh bench/20-messages.sh BUILDDIR     (bench/run calls it)
#
# Figures: sqlite_tx_per_insert_rps, post_rps, post_vs_sqlite (target
# >= 2), post_1writer_rps (one writer alone), post_mean_batch (jobs per
# group commit), post_jobs_per_fsync, post_writers, post_errors (should be 0).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

prog="$BENCH_BUILD/bench/post_bench"
[ -x "$prog" ] || { echo "bench: no $prog (ninja -C $BENCH_BUILD)" >&2; exit 1; }
secs=${BENCH_SECS:-8}
dir="$BENCH_TMP/post"
mkdir -p "$dir"
echo "bench: post_bench in $dir, $secs s raw SQLite and $secs s posting, taking turns"
"$prog" --dir "$dir" --seconds "$secs" --writers 64 >"$BENCH_TMP/post.out"
cat "$BENCH_TMP/post.out"
ratio=$(awk '$1 == "BENCH" && $2 == "post_vs_sqlite" { print $3 }' "$BENCH_TMP/post.out")
errors=$(awk '$1 == "BENCH" && $2 == "post_errors" { print $3 }' "$BENCH_TMP/post.out")
[ -n "$ratio" ] || { echo "bench: post_bench printed no ratio" >&2; exit 1; }
[ "${errors:-1}" = 0 ] || { echo "bench: $errors posts failed" >&2; exit 1; }

bench_target post_vs_sqlite "$ratio" 2
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
