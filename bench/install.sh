#!/bin/sh
# install vs the hand-made pipeline it replaces, as root without sudo:
#   100 installs of distinct secrets (time per install), side by side with
#   `extract > tmp; mv; chown; chmod`, and the unchanged re-install (the
#   ExecStartPre= case) next to a bare extract.
# usage: bench/install.sh BUILD_DIR    (writes bench/results/install-*.json)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results
W=$(mktemp -d /tmp/secretctl-bench-install.XXXXXX)
trap 'rm -rf "$W"' EXIT
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (make deps)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (chown to another uid)" >&2; exit 1; }
mkdir -p "$OUT"
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_IDENTITY SECRETCTL_STORE DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
"$SC" keygen -o "$W/id.txt" 2>/dev/null
export SECRETCTL_IDENTITY="$W/id.txt"
i=0
while [ $i -lt 100 ]; do
	printf 'k%d: "%s"\n' $i "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
	i=$((i + 1))
done > "$W/p.yaml"
"$SC" encrypt "$W/p.yaml" -r "$("$SC" keygen -y "$W/id.txt")" -o "$W/s.yaml"
mkdir -m 700 "$W/new" "$W/old"
cat > "$W/new.sh" <<EOF
i=0; while [ \$i -lt 100 ]; do
	"$SC" install "$W/s.yaml" -f k\$i --dir "$W/new" --owner 65534 || exit 1; i=\$((i + 1)); done
EOF
cat > "$W/old.sh" <<EOF
i=0; while [ \$i -lt 100 ]; do
	"$SC" extract "$W/s.yaml" -f k\$i > "$W/old/.k\$i.tmp" || exit 1
	mv "$W/old/.k\$i.tmp" "$W/old/k\$i"; chown 65534:0 "$W/old/k\$i"; chmod 400 "$W/old/k\$i"
	i=\$((i + 1)); done
EOF
# every run installs 100 new files (the directories are emptied first)
hyperfine --warmup 1 --runs 10 --export-json "$OUT/install-100.json" \
	--prepare "rm -f $W/new/* $W/old/*" \
	-n "secretctl install (100 secrets)" "sh $W/new.sh" \
	-n "extract > tmp; mv; chown; chmod (100 secrets)" "sh $W/old.sh"
# same bytes, owner and mode either way
sh "$W/new.sh"; sh "$W/old.sh"
cmp "$W/new/k42" "$W/old/k42"
[ "$(stat -c '%a %u:%g' "$W/new/k42")" = "$(stat -c '%a %u:%g' "$W/old/k42")" ]
hyperfine -N --warmup 5 --min-runs 50 --export-json "$OUT/install-unchanged.json" \
	-n "secretctl install, unchanged" "$SC install $W/s.yaml -f k0 --dir $W/new --owner 65534" \
	-n "secretctl extract -f (for scale)" "$SC extract $W/s.yaml -f k0"
jq -r '.results[] | "| \(.command) | \(.mean * 1000 | . * 100 | round / 100) ms | \(.mean * 10 | . * 1000 | round / 1000) ms |"' \
	"$OUT/install-100.json" | sed '1i| 100 installs | total | per install |\n|---|---:|---:|'
jq -r '.results[] | "| \(.command) | \(.mean * 1000 | . * 1000 | round / 1000) ms | ± \(.stddev * 1000 | . * 1000 | round / 1000) |"' \
	"$OUT/install-unchanged.json" | sed '1i| one run | mean | σ |\n|---|---:|---:|'
