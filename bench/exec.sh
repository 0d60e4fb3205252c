#!/bin/sh
# exec (and render, when built): what they cost against extract, on a
# store of 1 000 keys:
#   exec's start overhead: `exec -e k0 -- true`, `exec --file K=k0 -- true`
#   next to `extract -f k0` and a bare `true`;
#   render of a 50-placeholder template next to 50 `extract -f` calls.
# usage: bench/exec.sh BUILD_DIR    (writes bench/results/exec-*.json)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results
W=$(mktemp -d /tmp/secretctl-bench-exec.XXXXXX)
trap 'rm -rf "$W"' EXIT
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (make deps)" >&2; exit 1; }
mkdir -p "$OUT"
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_IDENTITY SECRETCTL_STORE DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
"$SC" keygen -o "$W/id.txt" 2>/dev/null
export SECRETCTL_IDENTITY="$W/id.txt"
i=0
while [ $i -lt 1000 ]; do
	printf 'k%d: "%s"\n' $i "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
	i=$((i + 1))
done > "$W/p.yaml"
"$SC" encrypt "$W/p.yaml" -r "$("$SC" keygen -y "$W/id.txt")" -o "$W/s.yaml"
TRUE=$(command -v true)
hyperfine -N --warmup 5 --min-runs 100 --export-json "$OUT/exec-start.json" \
	-n "true (for scale)" "$TRUE" \
	-n "secretctl extract -f k0" "$SC extract $W/s.yaml -f k0" \
	-n "secretctl exec -e k0 -- true" "$SC exec $W/s.yaml -e k0 -- $TRUE" \
	-n "secretctl exec --file K=k0 -- true" "$SC exec $W/s.yaml --file K=k0 -- $TRUE"
jq -r '.results[] | "| \(.command) | \(.mean * 1000 | . * 1000 | round / 1000) ms | ± \(.stddev * 1000 | . * 1000 | round / 1000) |"' \
	"$OUT/exec-start.json" | sed '1i| one run, 1 000-key store | mean | σ |\n|---|---:|---:|'
jq -r '(.results[1].mean) as $x | .results[2:][] | "\(.command): \(.mean / $x * 100 | round / 100) × extract -f"' \
	"$OUT/exec-start.json"
"$SC" render --help >/dev/null 2>&1 || exit 0
# 50 placeholders, spread over the store, with filters
i=0
while [ $i -lt 50 ]; do
	printf 'key%d = {{ k%d | json }}\n' $i $((i * 20))
	i=$((i + 1))
done > "$W/t.tmpl"
cat > "$W/extract50.sh" <<EOS
i=0; while [ \$i -lt 50 ]; do "$SC" extract $W/s.yaml -f k\$((i * 20)) >/dev/null || exit 1; i=\$((i + 1)); done
EOS
hyperfine --warmup 2 --min-runs 20 --export-json "$OUT/exec-render.json" \
	-n "secretctl render (50 placeholders)" "$SC render $W/s.yaml $W/t.tmpl" \
	-n "50 × secretctl extract -f" "sh $W/extract50.sh"
jq -r '.results[] | "| \(.command) | \(.mean * 1000 | . * 100 | round / 100) ms | ± \(.stddev * 1000 | . * 100 | round / 100) |"' \
	"$OUT/exec-render.json" | sed '1i| 50 values, 1 000-key store | mean | σ |\n|---|---:|---:|'
jq -r '"render: \(.results[1].mean / .results[0].mean | . * 10 | round / 10) × faster than 50 extract -f"' \
	"$OUT/exec-render.json"
