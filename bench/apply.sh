#!/bin/sh
# apply of a 20-target manifest (10 install files, 10 podman secrets) with
# nothing changed (the ExecStartPre= / boot case), against the 20 calls it
# replaces (10 `install` + 10 `podman`), against the hand-made pipeline
# (`extract > tmp && mv && chown && chmod` per file; `podman secret rm;
# extract | podman secret create` per secret), and against one `extract`
# (the target: one apply <= 2x one extract without podman targets).
# As root, real podman.
# usage: bench/apply.sh BUILD_DIR    (writes bench/results/apply-*.json)
set -eu
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results
W=$(mktemp -d /tmp/secretctl-bench-apply.XXXXXX)
P=sbench$$
cleanup() {
	podman secret ls --format '{{.Name}}' 2>/dev/null | grep "^$P" | while read -r n; do
		podman secret rm -- "$n" >/dev/null 2>&1
	done
	rm -rf "$W"
}
trap cleanup EXIT
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (make deps)" >&2; exit 1; }
command -v podman >/dev/null || { echo "bench: podman is missing" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root (chown, podman)" >&2; exit 1; }
mkdir -p "$OUT"
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_IDENTITY SECRETCTL_STORE DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
"$SC" keygen -o "$W/id.txt" 2>/dev/null
export SECRETCTL_IDENTITY="$W/id.txt"
i=0
{
	while [ $i -lt 10 ]; do
		printf 'h%d:\n  env: {USER: u%d, PASS: "%s"}\n  key: "%s"\n' $i $i \
			"$(head -c 24 /dev/urandom | base64)" "$(head -c 24 /dev/urandom | base64)"
		i=$((i + 1))
	done
} >"$W/p.yaml"
"$SC" encrypt "$W/p.yaml" -r "$("$SC" keygen -y "$W/id.txt")" -o "$W/s.yaml"
mkdir -m 700 "$W/d" "$W/old"
{
	echo "store: s.yaml"
	echo "dir: $W/d"
	echo "install:"
	i=0; while [ $i -lt 10 ]; do echo "  h$i.env: {env: h$i/env, format: podman, restart: [a$i.service]}"; i=$((i + 1)); done
	echo "podman:"
	i=0; while [ $i -lt 10 ]; do echo "  - {file: h$i/key, name: ${P}_$i, restart: [p$i.service]}"; i=$((i + 1)); done
} >"$W/m.yaml"
# the install targets alone (for the ratio against extract)
sed '/^podman:/,$d' "$W/m.yaml" >"$W/m-files.yaml"
"$SC" apply "$W/m.yaml"
cat >"$W/calls.sh" <<EOF
i=0; while [ \$i -lt 10 ]; do
	"$SC" install "$W/s.yaml" -e h\$i/env h\$i.env --format podman --dir "$W/d" || exit 1
	"$SC" podman "$W/s.yaml" -f h\$i/key ${P}_\$i >/dev/null || exit 1
	i=\$((i + 1)); done
EOF
cat >"$W/pipe.sh" <<EOF
i=0; while [ \$i -lt 10 ]; do
	"$SC" extract "$W/s.yaml" -e h\$i/env --format podman > "$W/old/.h\$i.tmp" || exit 1
	mv "$W/old/.h\$i.tmp" "$W/old/h\$i.env"; chown 0:0 "$W/old/h\$i.env"; chmod 400 "$W/old/h\$i.env"
	podman secret rm ${P}_old\$i >/dev/null 2>&1
	"$SC" extract "$W/s.yaml" -f h\$i/key | podman secret create ${P}_old\$i - >/dev/null || exit 1
	i=\$((i + 1)); done
EOF
# nothing changed: apply runs podman twice (version, one inspect of all 10)
"$SC" apply "$W/m.yaml" --dry-run >/dev/null
hyperfine -N --warmup 3 --min-runs 20 --export-json "$OUT/apply-20.json" \
	-n "secretctl apply (20 targets, unchanged)" "$SC apply $W/m.yaml" \
	-n "20 secretctl install/podman calls (unchanged)" "sh $W/calls.sh" \
	-n "extract > tmp; mv; chown; chmod / podman rm; create (20)" "sh $W/pipe.sh"
hyperfine -N --warmup 5 --min-runs 50 --export-json "$OUT/apply-files.json" \
	-n "secretctl apply (10 install targets, unchanged)" "$SC apply $W/m-files.yaml" \
	-n "secretctl extract -e (one, for scale)" "$SC extract $W/s.yaml -e h0/env --format podman"
jq -r '.results[] | "| \(.command) | \(.mean * 1000 | . * 100 | round / 100) ms | ± \(.stddev * 1000 | . * 100 | round / 100) |"' \
	"$OUT/apply-20.json" "$OUT/apply-files.json" | sed '1i| run | mean | σ |\n|---|---:|---:|'
