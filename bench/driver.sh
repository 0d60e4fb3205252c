#!/bin/sh
# podman's shell secret driver (secretctl podman-driver) against the
# alternatives it replaces:
#   - podman-driver lookup of one value against extract -f of the same
#     value (the lookup also reads its reference file: target <= 1.3x);
#   - a container start with one shell-driver secret (podman runs
#     podman-driver lookup) against the same start with a file-driver
#     secret of the same value (target: <= 3 ms more).
# Writes bench/results/driver.json and prints a table (hyperfine, root,
# podman 4.3 with runc and a static program as the container's rootfs).
# usage: bench/driver.sh BUILD_DIR
set -eu
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results
for t in hyperfine podman runc jq cc; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
W=$(mktemp -d /tmp/secretctl-bench-driver.XXXXXX)
P=scbd$$
cleanup() {
	podman secret ls --format '{{.Name}}' | grep "^$P" | while read -r n; do
		podman secret rm -- "$n" >/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$OUT" "$W/rootfs/proc" "$W/rootfs/dev" "$W/rootfs/sys" "$W/rootfs/etc" "$W/rootfs/run/secrets"
cc -static -O2 -o "$W/rootfs/readsecret" "$TOP/tests/tools/static/readsecret.c"
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_STORE DBUS_SESSION_BUS_ADDRESS
"$SC" keygen -o "$W/id.txt" 2>/dev/null
export SECRETCTL_IDENTITY="$W/id.txt"
# a store of 100 values, one of them read
{
	echo "app:"
	i=1; while [ $i -le 100 ]; do echo "  k$i: value-$i-$(head -c 24 /dev/urandom | base64)"; i=$((i + 1)); done
} >"$W/plain.yaml"
"$SC" encrypt "$W/plain.yaml" -r "$("$SC" keygen -y "$W/id.txt")" -o "$W/s.yaml"
"$SC" podman "$W/s.yaml" -f app/k50 "${P}_file"
"$SC" podman "$W/s.yaml" -f app/k50 "${P}_shell" --driver shell
ID=$(podman secret inspect --format '{{.ID}}' "${P}_shell")
# both give the same bytes, and so do both containers
[ "$(SECRET_ID=$ID "$SC" podman-driver lookup)" = "$("$SC" extract "$W/s.yaml" -f app/k50)" ] ||
	{ echo "bench: lookup and extract differ" >&2; exit 1; }
RUN="podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
for s in file shell; do
	$RUN --secret "${P}_$s,target=x" --rootfs "$W/rootfs" /readsecret f:/run/secrets/x >"$W/$s.out"
done
cmp -s "$W/file.out" "$W/shell.out" || { echo "bench: the containers differ" >&2; exit 1; }
# as podman sets it for the driver (extract ignores it)
export SECRET_ID="$ID"
hyperfine -N --warmup 5 --min-runs 200 --export-json "$OUT/driver-lookup.json" \
	-n "secretctl extract -f (100 keys)" "$SC extract $W/s.yaml -f app/k50" \
	-n "secretctl podman-driver lookup" "$SC podman-driver lookup" \
	-n "/bin/sh -c 'secretctl podman-driver lookup' (what podman runs)" "/bin/sh -c '$SC podman-driver lookup'"
unset SECRET_ID
hyperfine -N --warmup 3 --min-runs 60 --export-json "$OUT/driver-start.json" \
	-n "podman run, file-driver secret" "$RUN --secret ${P}_file,target=x --rootfs $W/rootfs /readsecret f:/run/secrets/x" \
	-n "podman run, shell-driver secret" "$RUN --secret ${P}_shell,target=x --rootfs $W/rootfs /readsecret f:/run/secrets/x"
# container starts vary with the host's load over time: also alternate the
# two, pair by pair, and take the median of the differences
N=60 i=0
: >"$W/pairs"
while [ $i -lt $N ]; do
	for s in file shell; do
		t0=$(date +%s%N)
		$RUN --secret "${P}_$s,target=x" --rootfs "$W/rootfs" /readsecret f:/run/secrets/x >/dev/null
		t1=$(date +%s%N)
		printf '%s ' $((t1 - t0)) >>"$W/pairs"
	done
	echo >>"$W/pairs"
	i=$((i + 1))
done
PAIRS=$(awk '{ print ($2 - $1) / 1e6 }' "$W/pairs" | sort -g |
	awk '{ v[NR] = $1 } END { printf "%.1f ms (quartiles %.1f, %.1f; %d pairs)", v[int((NR + 1) / 2)], v[int(NR / 4) + 1], v[int(3 * NR / 4)], NR }')
jq -s '{results: (.[0].results + .[1].results)}' "$OUT/driver-lookup.json" "$OUT/driver-start.json" >"$OUT/driver.json"
rm -f "$OUT/driver-lookup.json" "$OUT/driver-start.json"
echo
echo "| case | mean (ms) | ± (ms) | median (ms) |"
echo "|---|---:|---:|---:|"
jq -r '.results[] | "| \(.command) | \(.mean * 10000 | round / 10) | \(.stddev * 10000 | round / 10) | \(.median * 10000 | round / 10) |"' "$OUT/driver.json"
jq -r '.results as $r |
	"lookup / extract -f: \($r[1].mean / $r[0].mean * 100 | round / 100)x",
	"podman-driver lookup as podman runs it (sh -c): \($r[2].mean * 10000 | round / 10) ms",
	"shell-driver start - file-driver start: \(($r[4].mean - $r[3].mean) * 10000 | round / 10) ms (medians: \(($r[4].median - $r[3].median) * 10000 | round / 10) ms)"' \
	"$OUT/driver.json"
echo "shell-driver start - file-driver start, alternated: median $PAIRS"
