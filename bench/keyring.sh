#!/bin/bash
# What the keyring costs: extract with the identity in a real gnome-keyring
# (tests/with-keyring.sh) against extract with an identity file, and what
# loading libsecret alone costs (dlopen of libsecret-1.so.0 and its glib).
# Writes bench/results/keyring.json and prints a markdown table.
# usage: bench/keyring.sh [BUILD_DIR]
set -eu
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results

if [ "${KEYRING_INNER:-}" != 1 ]; then
	for t in hyperfine jq gnome-keyring-daemon dbus-run-session cc valgrind secret-tool; do
		command -v $t >/dev/null || { echo "bench: $t is missing (make deps)" >&2; exit 1; }
	done
	mkdir -p "$OUT"
	KEYRING_INNER=1 exec "$TOP/tests/with-keyring.sh" bash "$TOP/bench/keyring.sh" "$BUILD"
fi

W=$(mktemp -d /tmp/secretctl-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_IDENTITY SECRETCTL_STORE SOPS_AGE_KEY_FILE CREDENTIALS_DIRECTORY XDG_RUNTIME_DIR
cc -O2 -o "$W/empty" "$TOP/bench/empty.c"
cat > "$W/dl.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(void)
{
	/* what step 3 pays before its first D-Bus message */
	if (!dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL)) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	return 0;
}
EOF
cc -O2 -o "$W/dlopen-libsecret" "$W/dl.c" -ldl
"$SC" keygen -o "$W/id.txt" 2>/dev/null
"$SC" keygen -o "$W/id2.txt" 2>/dev/null
R=$("$SC" keygen -y "$W/id.txt"); R2=$("$SC" keygen -y "$W/id2.txt")
sh "$TOP/bench/gen.sh" 100 > "$W/p.yaml"
"$SC" encrypt "$W/p.yaml" -r "$R" -o "$W/s.yaml"    # its identity: in the keyring
"$SC" encrypt "$W/p.yaml" -r "$R2" -o "$W/s2.yaml"  # its identity: the default file only
path=$("$SC" ls "$W/s.yaml" | sed -n 50p)
"$SC" keyring add "$W/id.txt"
mkdir -p "$XDG_CONFIG_HOME/secretctl"
cp "$W/id2.txt" "$XDG_CONFIG_HOME/secretctl/identity.txt"
want=$("$SC" extract "$W/s.yaml" -f "$path" -v 2>"$W/v.txt")
grep -q 'opened with the keyring' "$W/v.txt" || { echo "bench: the keyring did not open s.yaml" >&2; exit 1; }
got=$("$SC" extract "$W/s2.yaml" -f "$path")
[ "$want" = "$got" ] || { echo "bench: keyring and file disagree" >&2; exit 1; }

# every secretctl case runs through env, so each pays the same extra exec
x="$SC extract -f '$path'"
hyperfine -N --warmup 5 --min-runs 40 --export-json "$OUT/keyring.json" \
	-n "exec floor (empty C program)" "$W/empty" \
	-n "dlopen libsecret-1.so.0 alone (C program)" "$W/dlopen-libsecret" \
	-n "extract, -i identity file (step 1)" "env $x $W/s.yaml -i $W/id.txt" \
	-n "extract, default identity file, no bus (step 3 skipped)" \
		"env -u DBUS_SESSION_BUS_ADDRESS $x $W/s2.yaml" \
	-n "extract, identity in the keyring (step 3)" "env $x $W/s.yaml" \
	-n "extract, default identity file, keyring has no item (step 3 misses)" "env $x $W/s2.yaml" \
	-n "secret-tool lookup (libsecret's own CLI, for scale)" "env secret-tool lookup recipient $R" \
	>/dev/null
jq -r '
	(.results[] | select(.command | startswith("exec floor")) | .mean) as $floor |
	"| case | mean (ms) | ± (ms) | above the exec floor (ms) |",
	"|---|---:|---:|---:|",
	(.results[] | "| \(.command) | \(.mean * 1000 | . * 100 | round / 100) | \(.stddev * 1000 | . * 100 | round / 100) | \((.mean - $floor) * 1000 | . * 100 | round / 100) |")' \
	"$OUT/keyring.json" | tee "$OUT/keyring.md"

# instruction counts: stable on a noisy machine; where a keyring hit goes
ir() { valgrind --tool=callgrind --callgrind-out-file="$W/cg.$1" "${@:2}" 2>&1 >/dev/null |
	sed -n 's/.*Collected : //p'; }
{
	echo
	echo "| case | instructions (callgrind) |"
	echo "|---|---:|"
	echo "| exec floor | $(ir floor "$W/empty") |"
	echo "| dlopen libsecret-1.so.0 alone | $(ir dl "$W/dlopen-libsecret") |"
	echo "| extract, -i identity file | $(ir file "$SC" extract "$W/s.yaml" -f "$path" -i "$W/id.txt") |"
	echo "| extract, identity in the keyring | $(ir hit "$SC" extract "$W/s.yaml" -f "$path") |"
	echo "| extract, keyring has no item, default file | $(ir miss "$SC" extract "$W/s2.yaml" -f "$path") |"
	dh=$(callgrind_annotate --inclusive=yes "$W/cg.hit" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*:gcry_mpi_powm .*/\1/p' | head -1)
	echo
	echo "Of the keyring hit, ${dh:-?} instructions are gcry_mpi_powm: libsecret's"
	echo "Diffie-Hellman key exchange for the encrypted session with the service."
} | tee -a "$OUT/keyring.md"
