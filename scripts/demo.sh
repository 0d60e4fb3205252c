#!/bin/sh
# make demo: a real end-to-end run on the bundled example store
# (examples/demo/), with the bundled demo identity, in a temporary directory.
set -eu
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /tmp/secretctl-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT
cd "$D"
export HOME="$D" XDG_CONFIG_HOME="$D/.config"
unset SECRETCTL_IDENTITY SECRETCTL_STORE SOPS_AGE_KEY_FILE CREDENTIALS_DIRECTORY
cp "$TOP/examples/demo/secret.yaml" "$TOP/examples/demo/identity.txt" .
chmod 600 identity.txt # secretctl refuses an identity file others can read
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; sh -c "$*"; }
secretctl() { "$BIN" "$@"; }

echo "secretctl demo in $D (removed at the end)"
step "$BIN" --version
show "sed -n '1,12p' secret.yaml   # keys in clear, values and comments are tokens"
step "$BIN" ls secret.yaml
step "$BIN" verify secret.yaml -i identity.txt
show "'$BIN' decrypt secret.yaml -i identity.txt | head -8"
echo
echo "# what a unit runs in ExecStartPre=: one value, or an env file"
step "$BIN" extract secret.yaml -f app/db_password -i identity.txt; echo
step "$BIN" extract secret.yaml -e app/env -i identity.txt
step "$BIN" extract secret.yaml -e postgres/env --format shell -i identity.txt
show "printf 'rotated-db-password' | '$BIN' set secret.yaml app/env/DB_PASSWORD -i identity.txt"
show "git diff --no-index --stat '$TOP/examples/demo/secret.yaml' secret.yaml || true"
show "diff '$TOP/examples/demo/secret.yaml' secret.yaml | grep '^[<>]' | cut -c1-60 || true"
step "$BIN" keygen -o mine.txt
show "'$BIN' recipients add secret.yaml \$('$BIN' keygen -y mine.txt) -i identity.txt"
step "$BIN" recipients secret.yaml
show "'$BIN' decrypt secret.yaml -i mine.txt | grep DB_PASSWORD"
if command -v age >/dev/null 2>&1; then
	echo
	echo "# interop: the store's key slot is a plain age file; age itself opens it"
	show "awk '/-----BEGIN/{p=1} p{sub(/^ +/,\"\");print} /-----END/{exit}' secret.yaml > slot.age && age -d -i identity.txt slot.age | od -An -tx1 | head -2"
	show "printf 'hello from age' | age -r \$('$BIN' keygen -y identity.txt) > hello.age && age -d -i identity.txt hello.age; echo"
fi
echo
echo "demo finished: every step above ran for real."
