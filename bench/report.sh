#!/bin/sh
# usage: bench/report.sh RESULTS_DIR IR_FILE "CASES" — the tables for
# BENCHMARKS.md (printed, and written to bench/results/tables.md) and the
# plot bench/extract.png. A case is a number of keys (bench/gen.sh) or
# "flat" (10 000 keys of 24-byte values in one mapping).
set -eu
OUT=$1; IR=$2; CASES=$3
TOP=$(cd "$(dirname "$0")/.." && pwd)
T="$OUT/tables.md"
label() { if [ "$1" = flat ]; then echo "flat 10000 × 24 B"; else echo "$1"; fi; }
{
	echo "| store (keys) | tool | median (ms) | mean ± σ (ms) | × exec floor (medians) | secretctl faster by |"
	echo "|---|---|---:|---:|---:|---:|"
	for n in $CASES; do
		jq -r --arg n "$(label "$n")" '
			(.results[] | select(.command | startswith("exec floor")) | .median) as $floor |
			(.results[] | select(.command == "secretctl extract -f") | .median) as $sc |
			.results[] | "| \($n) | \(.command | gsub("\\|"; "\\|")) | \(.median * 1000 | . * 1000 | round / 1000) | \(.mean * 1000 | . * 100 | round / 100) ± \(.stddev * 1000 | . * 100 | round / 100) | \(.median / $floor | . * 100 | round / 100) | \(if .command == "secretctl extract -f" or (.command | startswith("exec floor")) then "" else "\(.median / $sc | . * 100 | round / 100)×" end) |"' \
			"$OUT/extract-$n.json"
	done
	echo
	# a fifth column: the same for BENCH_BASE (run.sh)
	if [ -n "$(awk 'NF > 4' "$IR")" ]; then
		echo "| store (keys) | extract instructions (callgrind) | ${BENCH_BASE_NAME:-before} | exec floor instructions | per key | per key, ${BENCH_BASE_NAME:-before} |"
		echo "|---|---:|---:|---:|---:|---:|"
	else
		echo "| store (keys) | extract instructions (callgrind) | exec floor instructions | per key |"
		echo "|---|---:|---:|---:|"
	fi
	while read -r n keys ir floor irb; do
		irn=$(echo "$ir" | tr -d ,); fl=$(echo "$floor" | tr -d ,)
		if [ -n "$irb" ]; then
			ibn=$(echo "$irb" | tr -d ,)
			echo "| $(label "$n") | $ir | $irb | $floor | $(( (irn - fl) / keys )) | $(( (ibn - fl) / keys )) |"
		else
			echo "| $(label "$n") | $ir | $floor | $(( (irn - fl) / keys )) |"
		fi
	done < "$IR"
} > "$T"
cat "$T"
# plot: median time against store size, one line per tool (bench/gen.sh
# stores only)
for n in $CASES; do
	[ "$n" = flat ] && continue
	jq -r --arg n "$n" '.results[] | "\(.command)\t\($n)\t\(.median * 1000)"' "$OUT/extract-$n.json"
done > "$OUT/plot.tsv"
{
	echo "set terminal pngcairo size 900,560 noenhanced"
	echo "set output '$TOP/bench/extract.png'"
	echo "set title 'one value out of a store: median time per call'"
	echo "set logscale xy; set xlabel 'keys in the store'; set ylabel 'ms (log)'"
	echo "set key top left font ',9' box opaque; set grid; set yrange [0.3:3000]"
	echo "set datafile separator '\t'"
	printf 'plot '
	cut -f1 "$OUT/plot.tsv" | sort -u | awk -v f="$OUT/plot.tsv" 'BEGIN { ORS = "" }
		{ if (NR > 1) print ", "
		  printf "\"< grep -F \x27%s\t\x27 \x27%s\x27\" using 2:3 with linespoints title \x27%s\x27", $0, f, $0 }'
	echo
} > "$OUT/plot.gp"
gnuplot "$OUT/plot.gp" || echo "bench: gnuplot failed" >&2
