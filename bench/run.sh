#!/bin/sh
# make bench: extract side by side with its peers, at 10..10 000 keys and
# on a flat store of 10 000 short values, then every other bench/*.sh.
# Writes bench/results/*.json, the tables for BENCHMARKS.md
# (bench/results/tables.md) and bench/extract.png.
# usage: bench/run.sh BUILD_DIR [SIZES]
#   BENCH_FLAT=0     no flat store case
#   BENCH_OTHERS=0   extract only (not install.sh, podman.sh, keyring.sh)
#   BENCH_BASE=BIN   another secretctl measured beside it in every case (a
#                    before/after table), named BENCH_BASE_NAME (default
#                    "before")
set -eu
BUILD=$(cd "${1:-build}" && pwd)
SIZES=${2:-${BENCH_SIZES:-10 100 1000 10000}}
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results
W=$(mktemp -d /tmp/secretctl-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT"
for t in hyperfine age yq jq valgrind gnuplot; do
	command -v $t >/dev/null || { echo "bench: $t is missing (make deps)" >&2; exit 1; }
done
cc -O2 -o "$W/empty" "$TOP/bench/empty.c"
# the same, fully static (no ld.so, no libc.so): what a static-pie secretctl
# could start at (BENCHMARKS.md); for scale only, the floor is the above
have_spie=0
cc -O2 -static-pie -o "$W/empty-static" "$TOP/bench/empty.c" 2>/dev/null && have_spie=1
# secretctl's own objects linked static-pie as well (glibc included; it
# cannot reach the keyring, which dlopens libsecret): measured side by
# side for scale, not shipped
have_sc_spie=0
cc -static-pie -o "$W/secretctl-static" "$BUILD"/cmd/*.o "$BUILD/libsecretctl.a" -lyaml -lsodium \
	-pthread 2>/dev/null && have_sc_spie=1
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_IDENTITY SECRETCTL_STORE DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
"$SC" keygen -o "$W/id.txt" 2>/dev/null
R=$("$SC" keygen -y "$W/id.txt")
# one systemd credential (host key; created on first use, as root)
have_creds=0
if printf 'pw-secret' | systemd-creds encrypt --name=bench - "$W/cred" 2>/dev/null; then have_creds=1; fi
have_vault=0
if command -v ansible-vault >/dev/null; then have_vault=1; printf 'vaultpass' > "$W/vaultpass"; fi
BASE_NAME=${BENCH_BASE_NAME:-before}
[ -z "${BENCH_BASE:-}" ] || BENCH_BASE=$(cd "$(dirname "$BENCH_BASE")" && pwd)/$(basename "$BENCH_BASE")
vfloor=$(valgrind --tool=callgrind --callgrind-out-file="$W/cg0" "$W/empty" 2>&1 | sed -n 's/.*Collected : //p')

# bench_case NAME KEYS: $W/pNAME.yaml is the plaintext; extract of its
# middle key, side by side with the peers; one line "NAME KEYS IR FLOOR_IR"
# in $W/ir.txt
bench_case() {
	n=$1 keys=$2
	"$SC" encrypt "$W/p$n.yaml" -r "$R" -o "$W/s$n.yaml"
	age -r "$R" -o "$W/p$n.age" "$W/p$n.yaml"
	yq . "$W/p$n.yaml" > "$W/p$n.json"
	age -r "$R" -o "$W/j$n.age" "$W/p$n.json"
	# the key in the middle of the store
	path=$("$SC" ls "$W/s$n.yaml" | sed -n "$(( (keys + 1) / 2 ))p")
	jqpath=".$(printf '%s' "$path" | sed 's|/|"."|g; s|^|"|; s|$|"|')"
	want=$("$SC" extract "$W/s$n.yaml" -f "$path" -i "$W/id.txt")
	got=$(age -d -i "$W/id.txt" "$W/p$n.age" | yq -r "$jqpath")
	[ "$want" = "$got" ] || { echo "bench: yq and secretctl disagree at $path" >&2; exit 1; }
	set -- -n "exec floor (empty C program)" "$W/empty" \
		-n "secretctl extract -f" "$SC extract $W/s$n.yaml -f '$path' -i $W/id.txt"
	[ -n "${BENCH_BASE:-}" ] && set -- "$@" -n "secretctl extract -f, $BASE_NAME" \
		"$BENCH_BASE extract $W/s$n.yaml -f '$path' -i $W/id.txt"
	set -- "$@" \
		-n "age -d | yq -r" "sh -c \"age -d -i $W/id.txt $W/p$n.age | yq -r '$jqpath'\"" \
		-n "age -d | jq -r" "sh -c \"age -d -i $W/id.txt $W/j$n.age | jq -r '$jqpath'\""
	[ $have_spie = 1 ] && set -- "$@" -n "empty C program, static-pie (for scale)" "$W/empty-static"
	[ $have_sc_spie = 1 ] && set -- "$@" -n "secretctl extract -f, linked static-pie (not shipped)" \
		"$W/secretctl-static extract $W/s$n.yaml -f '$path' -i $W/id.txt"
	[ $have_creds = 1 ] && set -- "$@" -n "systemd-creds decrypt (one credential)" "systemd-creds decrypt --name=bench $W/cred -"
	if [ $have_vault = 1 ] && [ "$n" = 100 ]; then
		cp "$W/p$n.yaml" "$W/v$n.yaml"
		ansible-vault encrypt --vault-password-file "$W/vaultpass" "$W/v$n.yaml" >/dev/null 2>&1
		set -- "$@" -n "ansible-vault view | yq -r" "sh -c \"ansible-vault view --vault-password-file $W/vaultpass $W/v$n.yaml | yq -r '$jqpath'\""
	fi
	# -N: no shell in between; the pipelines pay for their sh, as they
	# would in an ExecStartPre= line
	hyperfine -N --warmup 5 --min-runs 40 --export-json "$OUT/extract-$n.json" "$@"
	# instruction counts: stable on a noisy machine (the MAC included:
	# since format version 2 every extract checks it)
	valgrind --tool=callgrind --callgrind-out-file="$W/cg" "$SC" extract "$W/s$n.yaml" -f "$path" \
		-i "$W/id.txt" >/dev/null 2>"$W/cg.err"
	ir=$(sed -n 's/.*Collected : //p' "$W/cg.err")
	irb=
	if [ -n "${BENCH_BASE:-}" ]; then
		irb=$(valgrind --tool=callgrind --callgrind-out-file="$W/cgb" "$BENCH_BASE" extract \
			"$W/s$n.yaml" -f "$path" -i "$W/id.txt" 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
	fi
	echo "$n $keys $ir $vfloor $irb" >> "$W/ir.txt"
}

cases=
for n in $SIZES; do
	sh "$TOP/bench/gen.sh" "$n" > "$W/p$n.yaml"
	bench_case "$n" "$n"
	cases="$cases $n"
done
# the flat store: 10 000 keys of 24-byte values in one mapping (~1.05 MB
# encrypted), the most tokens and the least structure per byte
if [ "${BENCH_FLAT:-1}" = 1 ]; then
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "KEY_%05d: %s\n", i, "abcdefghijklmnopqrstuvwx" }' \
		> "$W/pflat.yaml"
	bench_case flat 10000
	cases="$cases flat"
fi
BENCH_BASE_NAME=$BASE_NAME sh "$TOP/bench/report.sh" "$OUT" "$W/ir.txt" "$cases"
[ "${BENCH_OTHERS:-1}" = 1 ] || exit 0
# the other commands' benchmarks (install, podman, keyring): one script each
for b in "$TOP"/bench/*.sh; do
	case $(basename "$b") in run.sh | gen.sh | report.sh) continue ;; esac
	echo "bench: $(basename "$b")"
	sh "$b" "$BUILD" || echo "bench: $(basename "$b") failed" >&2
done
