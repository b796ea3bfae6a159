#!/bin/sh
# 50-library.sh - the psycho-education library's search (issue 12).
#   library_search_100k_vs_1k   p50 of a search (lib_search: stems, the
#                               FTS5 match ranked by bm25, the items) in a
#                               library of 100,000 articles over one of
#                               1,000; target <= 2
#   library_search_100k_p99_ms  the 99th percentile at 100,000
# with library_search_1k_p50_ms, library_search_100k_p50_ms and the mean
# number of results of the queries (library_search_100k_results).
#   library_search_pg_*         the same on PostgreSQL (a throw-away
#                               cluster, tests/pg-cluster; target <= 2
#                               too); BENCH_LIB_PG=0 leaves it out (it
#                               takes about three minutes to fill)
# The articles are made and searched through the library module on a
# SQLite database (bench/library_bench.c says what the texts and queries
# are); a tenth more articles of another organisation are never found.
#
#   sh bench/50-library.sh BUILDDIR        (bench/run calls it)
# BENCH_LIB_QUERIES sets the searches per size (default 12000),
# BENCH_LIB_ROUNDS the rounds they are taken in, the sizes in turn
# (default 12), BENCH_LIB_LARGE the large library's size (default 100000).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

lb="$BENCH_BUILD/bench/library_bench"
[ -x "$lb" ] || { echo "bench: no $lb (ninja -C $BENCH_BUILD)" >&2; exit 1; }
share="$here/../share"
queries=${BENCH_LIB_QUERIES:-12000}
rounds=${BENCH_LIB_ROUNDS:-12}
large=${BENCH_LIB_LARGE:-100000}

field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# report PREFIX OUT: the lines of library_bench's output OUT, one a size:
# "articles N p50_us X p99_us Y mean_results Z".
report() {
	small=$(echo "$2" | sed -n 1p)
	big=$(echo "$2" | sed -n 2p)
	echo "bench: $1 $small" >&2
	echo "bench: $1 $big" >&2
	s50=$(field "$small" p50_us)
	b50=$(field "$big" p50_us)
	b99=$(field "$big" p99_us)
	ratio=$(awk -v a="$b50" -v b="$s50" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	bench_line "${1}_1k_p50_ms" "$(ms "$s50")" ms
	bench_line "${1}_100k_p50_ms" "$(ms "$b50")" ms
	bench_line "${1}_100k_results" "$(field "$big" mean_results)" count
	bench_line "${1}_100k_vs_1k" "$ratio" ratio
	bench_line "${1}_100k_p99_ms" "$(ms "$b99")" ms
	bench_target_max "${1}_100k_vs_1k" "$ratio" 2
}

mkdir -p "$BENCH_TMP/lib/small" "$BENCH_TMP/lib/large"
out=$("$lb" "$BENCH_TMP/lib" "$share" 1000 "$large" "$queries" "$rounds" \
    2>"$BENCH_TMP/lib.log")
report library_search "$out"

# PostgreSQL: two empty databases of a throw-away cluster, the keys in
# the directory as above.
if [ "${BENCH_LIB_PG:-1}" != 0 ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
	chmod 711 "$BENCH_TMP"
	trap 'sh "$here/../tests/pg-cluster" stop "$BENCH_TMP/pg"; bench_cleanup' EXIT
	url=$(sh "$here/../tests/pg-cluster" start "$BENCH_TMP/pg")
	psql -q "$url" -c "CREATE DATABASE lib_small" \
	    -c "CREATE DATABASE lib_large" >&2
	rm -rf "$BENCH_TMP/lib"
	mkdir -p "$BENCH_TMP/lib/small" "$BENCH_TMP/lib/large"
	out=$("$lb" "$BENCH_TMP/lib" "$share" 1000 "$large" "$queries" \
	    "$rounds" "${url%/*}/lib_small" "${url%/*}/lib_large" \
	    2>"$BENCH_TMP/lib-pg.log")
	report library_search_pg "$out"
fi
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
