#!/bin/sh
# secretctl podman against plain podman: 20 secrets.
#   - secretctl podman -e on a 20-key mapping, nothing changed (the common
#     ExecStartPre= case: one version probe, one inspect, no writes);
#   - the same with every value changed (podman 4.3: 20 rm + 20 create);
#   - 20 separate `secretctl podman -f` runs, nothing changed;
#   - what it replaces: 20 plain `podman secret rm` + `podman secret create`.
# Writes bench/results/podman.json and prints a table (hyperfine, root).
# usage: bench/podman.sh BUILD_DIR
set -eu
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results
N=20
for t in hyperfine podman jq; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
W=$(mktemp -d /tmp/secretctl-bench-podman.XXXXXX)
P=scb$$
cleanup() {
	podman secret ls --format '{{.Name}}' | grep "^$P" | while read -r n; do
		podman secret rm -- "$n" >/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$OUT"
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_STORE DBUS_SESSION_BUS_ADDRESS
"$SC" keygen -o "$W/id.txt" 2>/dev/null
export SECRETCTL_IDENTITY="$W/id.txt"
{
	echo "env:"
	i=1; while [ $i -le $N ]; do echo "  ${P}_$i: value-$i-$(head -c 24 /dev/urandom | base64)"; i=$((i + 1)); done
} >"$W/plain.yaml"
"$SC" encrypt "$W/plain.yaml" -r "$("$SC" keygen -y "$W/id.txt")" -o "$W/s.yaml"
# a second store, every value different: each run flips between the two
sed 's/value-/changed-/' "$W/plain.yaml" >"$W/plain2.yaml"
"$SC" encrypt "$W/plain2.yaml" -r "$("$SC" keygen -y "$W/id.txt")" -o "$W/s2.yaml"
"$SC" podman "$W/s.yaml" -e env
# the plain-podman baseline works on its own names
i=1; while [ $i -le $N ]; do
	printf 'v%s' $i | podman secret create "${P}_plain_$i" - >/dev/null
	i=$((i + 1))
done
cat >"$W/plain.sh" <<EOF
#!/bin/sh
i=1
while [ \$i -le $N ]; do
	podman secret rm ${P}_plain_\$i >/dev/null
	printf 'v%s' \$i | podman secret create ${P}_plain_\$i - >/dev/null
	i=\$((i + 1))
done
EOF
cat >"$W/each.sh" <<EOF
#!/bin/sh
i=1
while [ \$i -le $N ]; do
	"$SC" podman "$W/s.yaml" -f env/${P}_\$i || exit 1
	i=\$((i + 1))
done
EOF
cat >"$W/flip.sh" <<EOF
#!/bin/sh
# every value changed on each run: alternate between the two stores
if [ -e "$W/flip" ]; then rm "$W/flip"; s="$W/s.yaml"; else : >"$W/flip"; s="$W/s2.yaml"; fi
exec "$SC" podman "\$s" -e env
EOF
chmod +x "$W/plain.sh" "$W/each.sh" "$W/flip.sh"
# a changed value must really be replaced, and an unchanged one not
before=$(podman secret inspect --format '{{.ID}}' "${P}_1")
"$SC" podman "$W/s.yaml" -e env
[ "$(podman secret inspect --format '{{.ID}}' "${P}_1")" = "$before" ] || { echo "bench: unchanged run replaced" >&2; exit 1; }

hyperfine -N --warmup 2 --min-runs 10 --export-json "$OUT/podman.json" \
	-n "secretctl podman -e (20 keys, unchanged)" "$SC podman $W/s.yaml -e env" \
	-n "20 x secretctl podman -f (unchanged)" "$W/each.sh" \
	-n "secretctl podman -e (20 keys, all changed)" "$W/flip.sh" \
	-n "20 x podman secret rm + create" "$W/plain.sh"
"$SC" podman "$W/s.yaml" -e env
echo
echo "| $N secrets | mean (ms) | ± (ms) | vs plain rm + create |"
echo "|---|---:|---:|---:|"
jq -r '(.results[] | select(.command | startswith("20 x podman")) | .mean) as $p |
	.results[] | "| \(.command) | \(.mean * 1000 | round) | \(.stddev * 1000 | round) | \($p / .mean * 10 | round / 10)x faster |"' \
	"$OUT/podman.json"
