#!/bin/sh
# 30-measures.sh - questionnaires and the mood meter (issue 11).
#   questionnaire_score_per_s   responses to a 50-item instrument with five
#                               subscales and a total scored per second
#                               (measures_bench score, on one core)
#   mood_page_5y_vs_1m          p50 of the mood page (/t/ID/mood, the
#                               default day view) for a client with five
#                               years of daily moods over one with a month;
#                               target <= 2
#   results_page_200_vs_5       p50 of the results page (/q/ID/results) with
#                               200 results over 5; target <= 2
# with the p50s themselves (mood_5y_ms, mood_1m_ms, results_200_ms,
# results_5_ms) and measures_errors (non-2xx answers; should be 0).
#
#   sh bench/30-measures.sh BUILDDIR        (bench/run calls it)
# BENCH_LAT_SECS sets the seconds per page (default 3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_init "${1:?usage: $0 BUILDDIR}"

mb="$BENCH_BUILD/bench/measures_bench"
[ -x "$mb" ] || { echo "bench: no $mb (ninja -C $BENCH_BUILD)" >&2; exit 1; }
lat=${BENCH_LAT_SECS:-3}
pw="bench-only-password-30"

"$mb" score "${BENCH_SCORE_SECS:-2}" | tee "$BENCH_TMP/score.out"

data="$BENCH_TMP/data"
INFUUS_PASSWORD=$pw "$mb" data "$data" >"$BENCH_TMP/ids" 2>"$BENCH_TMP/gen.log"
id() { awk -v k="$1" '$1 == k { print $2 }' "$BENCH_TMP/ids"; }

port=$(free_port)
infuus_start "$data" "$port" --set access_log=false
base="http://127.0.0.1:$port"
c0=$(infuus_login "$port" "$(id client0)" "$pw")
c1=$(infuus_login "$port" "$(id client1)" "$pw")
[ -n "$c0" ] && [ -n "$c1" ] || exit 1

errors=0
# p50 NAME PATH COOKIE: the page's median latency in ms
p50() {
	_p_hdr="Cookie: infuus_session=$3"
	_p_code=$(curl -s -o "$BENCH_TMP/page" -w '%{http_code}' \
	    -H "$_p_hdr" "$base$2")
	[ "$_p_code" = 200 ] || {
		echo "bench: $2 answered $_p_code" >&2
		exit 1
	}
	echo "bench: $1 $2: $(wc -c <"$BENCH_TMP/page") bytes" >&2
	wrk_p50_ms warm "$base$2" 1 "$_p_hdr" >/dev/null
	_p_v=$(wrk_p50_ms "$1" "$base$2" "$lat" "$_p_hdr")
	errors=$((errors + $(wrk_errors "$1")))
	echo "$_p_v"
}

m5y=$(p50 mood_5y "/t/$(id traj0)/mood" "$c0")
m1m=$(p50 mood_1m "/t/$(id traj1)/mood" "$c1")
r200=$(p50 results_200 "/q/$(id q0)/results" "$c0")
r5=$(p50 results_5 "/q/$(id q1)/results" "$c1")
infuus_stop

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
bench_line mood_5y_ms "$m5y" ms
bench_line mood_1m_ms "$m1m" ms
bench_line results_200_ms "$r200" ms
bench_line results_5_ms "$r5" ms
mr=$(ratio "$m5y" "$m1m")
rr=$(ratio "$r200" "$r5")
bench_line mood_page_5y_vs_1m "$mr" ratio
bench_line results_page_200_vs_5 "$rr" ratio
bench_line measures_errors "$errors" count

bench_target_max mood_page_5y_vs_1m "$mr" 2
bench_target_max results_page_200_vs_5 "$rr" 2
[ "$errors" -eq 0 ] || { echo "bench: $errors failed requests" >&2; BENCH_MISSED=$((BENCH_MISSED + 1)); }
[ "$BENCH_MISSED" -eq 0 ] || [ "${BENCH_STRICT:-1}" = 0 ]
