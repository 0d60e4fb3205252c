#!/bin/sh
# extract on a fleet host: one value out of bench/gen.sh 100 with the ssh
# host key as identity, the store signed and its signer pinned, against
# extract today (an age X25519 identity, unsigned). hyperfine and callgrind;
# the table goes to bench/results/fleet.md.
# usage: bench/fleet.sh BUILD_DIR
set -eu
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
SC=$BUILD/secretctl
OUT=$TOP/bench/results
for t in hyperfine valgrind ssh-keygen jq; do
	command -v $t >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
W=$(mktemp -d /tmp/secretctl-bench-fleet.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT"
export HOME="$W" XDG_CONFIG_HOME="$W/config"
unset SECRETCTL_IDENTITY SECRETCTL_STORE SECRETCTL_SIGNING_KEY SECRETCTL_ALLOWED_SIGNERS \
	SECRETCTL_HOST_KEY DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR SSH_AUTH_SOCK
sh "$TOP/bench/gen.sh" 100 > "$W/p.yaml"
"$SC" keygen -o "$W/id.txt" 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -C host -f "$W/host_key"
ssh-keygen -q -t ed25519 -N '' -C admin -f "$W/signing"
echo "admin namespaces=\"secretctl\" $(cat "$W/signing.pub")" > "$W/allowed_signers"
"$SC" encrypt "$W/p.yaml" -r "$("$SC" keygen -y "$W/id.txt")" -o "$W/plain.yaml"
"$SC" encrypt "$W/p.yaml" -r "$(cat "$W/host_key.pub")" --sign-with "$W/signing" -o "$W/signed.yaml"
path=$("$SC" ls "$W/plain.yaml" | sed -n 50p)
A="$SC extract $W/plain.yaml -f $path -i $W/id.txt"
B="env SECRETCTL_ALLOWED_SIGNERS=$W/allowed_signers $SC extract $W/signed.yaml -f $path -i $W/host_key"
[ "$($A)" = "$($B)" ] || { echo "bench: the two extracts differ" >&2; exit 1; }
hyperfine -N --warmup 30 --runs 400 --export-json "$OUT/fleet.json" \
	-n "extract today (age identity, unsigned)" "$A" \
	-n "extract on a fleet host (ssh host key, signed, signer pinned)" "$B" >/dev/null
ir() { valgrind --tool=callgrind --callgrind-out-file="$W/cg" "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
ia=$(ir $A)
ib=$(SECRETCTL_ALLOWED_SIGNERS=$W/allowed_signers ir $SC extract "$W/signed.yaml" -f "$path" -i "$W/host_key")
{
	echo "| case | median (ms) | instructions |"
	echo "|---|---:|---:|"
	jq -r '.results[] | "| \(.command) | \(.median * 1000 * 1000 | round / 1000) |"' "$OUT/fleet.json" |
		paste -d' ' - /dev/null | sed "1s/\$/ $ia |/; 2s/\$/ $ib |/"
	jq -r --arg ia "$ia" --arg ib "$ib" '"| ratio | \(.results[1].median / .results[0].median * 100 | round / 100)× | \($ib | tonumber / ($ia | tonumber) * 100 | round / 100)× |"' "$OUT/fleet.json"
} | tee "$OUT/fleet.md"
