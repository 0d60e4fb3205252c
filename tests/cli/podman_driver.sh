#!/bin/bash
# podman --driver shell and podman-driver (as root, real podman 4.3.1):
# the secrets hold references, containers see exactly the bytes of
# `extract -f` (NUL bytes, 511999 bytes, env secrets); no value is ever in
# podman's storage or in the driver's state; `set` alone rotates; podman
# secret rm removes the driver's entry and ls matches podman-driver list;
# every lookup failure stops the container with secretctl's reason; the
# driver's own input (SECRET_ID, stdin, state directory) is checked.
# (tests/cli/podman_rootless.sh runs the same for a user.)
. "$(dirname "$0")/lib.sh"
need podman runc cc python3 od base64 timeout
[ "$(id -u)" = 0 ] || { skip "needs root (tests/cli/podman_rootless.sh covers a user)"; exit 0; }

P=sctd$$
STATE=/var/lib/secretctl/podman
cleanup() {
	podman secret ls --format '{{.Name}}' 2>/dev/null | grep "^$P" | while read -r n; do
		podman secret rm -- "$n" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT

ROOT=$T/rootfs
mkdir -p "$ROOT"/proc "$ROOT"/dev "$ROOT"/sys "$ROOT"/etc "$ROOT"/run/secrets
if ! cc -static -O2 -o "$ROOT/readsecret" "$TOP/tests/tools/static/readsecret.c" 2>"$T/cc.err"; then
	skip "cannot build a static program (libc.a missing?): $(head -1 "$T/cc.err")"; exit 0
fi
ctr() {
	local s=()
	while [ "$1" != -- ]; do s+=(--secret "$1"); shift; done; shift
	podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 "${s[@]}" --rootfs "$ROOT" /readsecret "$@"
}
if ! ctr -- e:HOME >"$T/out" 2>"$T/err"; then
	skip "podman cannot run a container here: $(head -1 "$T/err")"; exit 0
fi
hex() { od -An -v -tx1 | tr -d ' \n'; }
id_of() { podman secret inspect --format '{{.ID}}' -- "$1" 2>/dev/null; }

# The store lives in a directory whose name podman's comma-separated
# --driver-opts and /bin/sh would both split: the reference carries it.
D="$T/store dir, with 'quotes\" = and,commas"
mkdir -p "$D"
cd "$T"
sc keygen -o id.txt 2>/dev/null
python3 - "$P" >plain.yaml <<'PY'
import base64, sys
p = sys.argv[1]
b = lambda data: "!!binary " + base64.b64encode(data).decode()
rnd = p.encode() + bytes(range(256)) * 3 + b"\0\0end\0"
big = (p.encode() + bytes(range(256)) * 2000)[:511999]
print(f"""pod:
  file: "hello {p}\\nworld\\n"
  bin: {b(rnd)}
  big: {b(big)}
  scalar: "an env value {p} with spaces, = and \\"quotes\\""
  env:
    {p}_E1: "first {p}"
    {p}_E2: "line1 {p}\\nline2 $HOME `x`"
  gone: "soon removed {p}"
  map:
    k: v
""")
PY
STORE="$D/s.yaml"
sc encrypt plain.yaml -r "$(sc keygen -y id.txt)" -o "$STORE" || { not_ok "encrypt"; exit 1; }
export SECRETCTL_IDENTITY="$T/id.txt"
# every value of the store, for the "never at rest" greps
VALUES=()
for p in pod/file pod/bin pod/big pod/scalar "pod/env/${P}_E1" "pod/env/${P}_E2" pod/gone; do
	sc extract "$STORE" -f "$p" >"val.$((${#VALUES[@]}))"
	VALUES+=("val.${#VALUES[@]}")
done

# ---- create ----
run sc podman "$STORE" --driver shell -f pod/file "${P}_file" -v
assert_rc 0 "--driver shell -f creates a secret"
assert_err "^secretctl: ${P}_file: created \(id [0-9a-f]{25}\)$" "-v says created, with the ID"
id1=$(id_of "${P}_file")
if [ "$(podman secret inspect --format '{{.Spec.Driver.Name}}' "${P}_file")" = shell ]; then
	ok "podman records the shell driver"; else not_ok "driver is not shell"; fi
opts=$(podman secret inspect --format '{{range $k, $v := .Spec.Driver.Options}}{{$k}}={{$v}}|{{end}}' "${P}_file")
want="delete=$SECRETCTL_REAL podman-driver delete|list=$SECRETCTL_REAL podman-driver list|lookup=$SECRETCTL_REAL podman-driver lookup|store=$SECRETCTL_REAL podman-driver store|"
if [ "$opts" = "$want" ]; then ok "the driver commands are this secretctl's absolute path + podman-driver OP"
else not_ok "driver options: $opts"; fi
ref=$(cat "$STATE/$id1" 2>/dev/null)
encd=$(printf %s "$D" | sed "s/ /%20/g; s/,/%2C/g; s/'/%27/g; s/\"/%22/g; s/=/%3D/g")
if [ "$ref" = "secretctl-ref/1 $encd/s.yaml f pod/file $T/id.txt" ]; then
	ok "the driver's entry is the reference: store (%-escaped), form, PATH, identity"
else not_ok "entry is '$ref'"; fi
if [ "$(stat -c %a "$STATE/$id1")" = 600 ] && [ "$(stat -c %a "$STATE")" = 700 ]; then
	ok "the entry is 0600 in a 0700 directory"; else not_ok "modes $(stat -c %a "$STATE/$id1" "$STATE")"; fi
if [ "$(podman secret inspect --format '{{index .Spec.Labels "secretctl.ref"}}' "${P}_file")" = "$ref" ]; then
	ok "the secret's secretctl.ref label is the reference"; else not_ok "ref label"; fi
run sc podman "$STORE" --driver shell -f pod/file "${P}_file" -v
assert_err "^secretctl: ${P}_file: unchanged \(id $id1\)$" "the same reference again: unchanged, same ID"
run sc podman "$STORE" --driver shell -f pod/file "${P}_file" --dry-run
assert_rc 0 "--dry-run: nothing to change"
assert_out "^${P}_file: unchanged \(reference and labels equal\)$" "--dry-run says unchanged (reference and labels equal)"
# the driver's state lost (a home restored from elsewhere): the label still
# matches, but the secret is made again
mv "$STATE/$id1" "$T/entry.saved"
run sc podman "$STORE" --driver shell -f pod/file "${P}_file" --dry-run
assert_rc 9 "the driver's entry gone: --dry-run says something would change (exit 9)"
assert_out "^${P}_file: would replace \(the driver has lost its reference\)$" "...would replace: the driver has lost its reference"
run sc podman "$STORE" --driver shell -f pod/file "${P}_file" -v
id1=$(id_of "${P}_file")
if [ "$RC" = 0 ] && [ -f "$STATE/$id1" ] && cmp -s "$STATE/$id1" "$T/entry.saved"; then
	ok "...and the run makes the secret again, with its entry"
else not_ok "entry lost, re-run (exit $RC)"; diag <"$T/err"; fi
# the driver is named as $PATH finds it when that is this program (a
# symlink outlives an upgrade that moves the file it points at)
mkdir -p "$T/pbin" && ln -sf "$SECRETCTL_REAL" "$T/pbin/secretctl"
run env PATH="$T/pbin:$PATH" "$SECRETCTL_REAL" podman "$STORE" --driver shell -f pod/file "${P}_pathname"
lk=$(podman secret inspect --format '{{.Spec.Driver.Options.lookup}}' "${P}_pathname" 2>&1)
if [ "$RC" = 0 ] && [ "$lk" = "$T/pbin/secretctl podman-driver lookup" ]; then
	ok "the driver command names secretctl as \$PATH finds it ($T/pbin/secretctl, a symlink)"
else not_ok "driver path (exit $RC): '$lk'"; diag <"$T/err"; fi
for a in "-f pod/bin ${P}_bin" "-f pod/big ${P}_big" "-e pod/scalar ${P}_scalar" "-e pod/env"; do
	run sc podman "$STORE" --driver shell $a
	assert_rc 0 "--driver shell $a"
done

# ---- a container sees exactly extract -f's bytes ----
run ctr "${P}_file" "${P}_bin" "${P}_big,type=mount,target=/run/secrets/big" "${P}_scalar,type=env,target=SCALAR" \
	"${P}_E1,type=env,target=E1" "${P}_E2,type=env,target=E2" -- \
	"f:/run/secrets/${P}_file" "f:/run/secrets/${P}_bin" f:/run/secrets/big e:SCALAR e:E1 e:E2
assert_rc 0 "a container starts with six shell-driver secrets"
want="f:/run/secrets/${P}_file=$(hex <val.0)
f:/run/secrets/${P}_bin=$(hex <val.1)
f:/run/secrets/big=$(hex <val.2)
e:SCALAR=$(hex <val.3)
e:E1=$(hex <val.4)
e:E2=$(hex <val.5)"
if [ "$(cat "$T/out")" = "$want" ]; then
	ok "mounts (NUL bytes, 511999 bytes) and env secrets are exactly extract -f's bytes"
else not_ok "container values differ"; diff <(cat "$T/out") <(echo "$want") | cut -c1-200 | diag; fi
# the driver's lookup prints what extract -f prints
run env SECRET_ID="$(id_of "${P}_bin")" "$SECRETCTL" podman-driver lookup
if [ "$RC" = 0 ] && cmp -s "$T/out" val.1; then ok "podman-driver lookup prints extract -f's bytes"
else not_ok "podman-driver lookup (exit $RC)"; diag <"$T/err"; fi

# ---- no value at rest: podman's storage and the driver's state ----
never_at_rest() { # DESC DIR...
	local desc=$1 f hit=""; shift
	for f in "${VALUES[@]}"; do
		# the first 40 bytes of the value, and of its base64 (each starts with
		# $P: other tests of this host may hold similar values)
		if grep -rqaF -- "$(head -c 40 "$f" | tr -d '\0\n' | head -c 40)" "$@" 2>/dev/null; then hit="$hit $f"; fi
		if grep -rqaF -- "$(base64 -w0 <"$f" | head -c 40)" "$@" 2>/dev/null; then hit="$hit $f(b64)"; fi
	done
	if [ -z "$hit" ]; then ok "$desc"; else not_ok "$desc (found:$hit)"; fi
}
never_at_rest "no value nor its base64 in root's container storage or the driver's state" \
	/var/lib/containers/storage "$STATE"
# the check can fail: a file-driver secret does leave its value there
sc podman "$STORE" -f pod/gone "${P}_filedrv"
if grep -qaF "$(base64 -w0 <val.6 | head -c 40)" /var/lib/containers/storage/secrets/filedriver/secretsdata.json; then
	ok "(a file-driver secret's value is in secretsdata.json: the grep finds it)"
else not_ok "the grep cannot find a file-driver value"; fi
podman secret rm "${P}_filedrv" >/dev/null

# ---- rotation: set, then a new container, nothing in between ----
printf 'rotated\0%s' "$P" >new.bin
sc set "$STORE" pod/file --value-file new.bin
run ctr "${P}_file" -- "f:/run/secrets/${P}_file"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "f:/run/secrets/${P}_file=$(hex <new.bin)" ]; then
	ok "after set, a new container sees the new value with no secretctl podman in between"
else not_ok "rotation (rc $RC)"; diag <"$T/err"; fi
assert "...and the secret is the same one (same ID)" [ "$(id_of "${P}_file")" = "$id1" ]

# ---- a changed reference replaces the secret (rm, then create) ----
run sc podman "$STORE" --driver shell -f pod/gone "${P}_file" --dry-run
assert_rc 9 "--dry-run on another PATH: exit 9"
assert_out "^${P}_file: would replace \(reference label differs\)$" "...would replace (reference label differs)"
run sc podman "$STORE" --driver shell -f pod/gone "${P}_file" -v
assert_err "^secretctl: ${P}_file: replaced \(removed, then created: never create --replace across or with the shell driver\) \(id [0-9a-f]{25}\)$" \
	"another PATH: replaced by rm + create, and says why"
id2=$(id_of "${P}_file")
if [ -n "$id2" ] && [ "$id2" != "$id1" ] && [ ! -e "$STATE/$id1" ] && [ -f "$STATE/$id2" ]; then
	ok "new ID; the old ID's entry is gone, the new one's is there"
else not_ok "replace: $id1 -> $id2"; ls "$STATE" | diag; fi
# file driver <-> shell driver
run sc podman "$STORE" -f pod/gone "${P}_file" -v
assert_err "^secretctl: ${P}_file: replaced \(removed, then created" "--driver file over a shell secret: rm + create"
if [ "$(podman secret inspect --format '{{.Spec.Driver.Name}}' "${P}_file")" = file ] && [ ! -e "$STATE/$id2" ]; then
	ok "...now a file-driver secret, and the shell entry is removed"; else not_ok "file over shell"; fi
run sc podman "$STORE" --driver shell -f pod/gone "${P}_file" --dry-run
assert_out "would replace \(another secret driver or driver command\)" "--dry-run: shell over file says another driver"
run sc podman "$STORE" --driver shell -f pod/gone "${P}_file" -v
assert_err "${P}_file: replaced \(removed, then created" "--driver shell over a file secret: rm + create"

# ---- podman secret rm, ls and podman-driver list ----
shell_ids() { podman secret ls --format '{{.ID}} {{.Driver}}' | awk '$2 == "shell" { print $1 }' | sort; }
run sc podman-driver list
if [ "$RC" = 0 ] && [ "$(sort "$T/out")" = "$(shell_ids)" ] && [ -s "$T/out" ]; then
	ok "podman-driver list matches podman secret ls (shell driver)"
else not_ok "list differs"; { cat "$T/out"; echo ---; shell_ids; } | diag; fi
idb=$(id_of "${P}_bin")
podman secret rm "${P}_bin" >/dev/null
if [ ! -e "$STATE/$idb" ] && ! sc podman-driver list | grep -qx "$idb"; then
	ok "podman secret rm removes the driver's entry"; else not_ok "entry of $idb is left"; fi
run env SECRET_ID="$idb" "$SECRETCTL" podman-driver delete
assert_rc 0 "delete of an ID without an entry: exit 0 (else podman could never remove the secret)"

# ---- lookup failures: the container does not start, secretctl says why ----
fails() { # DESC REGEX SECRET
	run timeout 20 podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --secret "$3" --rootfs "$ROOT" /readsecret f:/run/secrets/x
	if [ "$RC" = 125 ] && grep -Eq -- "$2" "$T/err" && grep -q "no secret data with ID" "$T/err"; then
		ok "$1"; else not_ok "$1 (exit $RC)"; diag <"$T/err"; fi
}
sc podman "$STORE" --driver shell -f pod/gone "${P}_gone"
idg=$(id_of "${P}_gone")
sid="podman-driver lookup $idg: $(printf %s "$D" | sed 's/[][\\.*^$()+?{}|]/\\&/g')/s.yaml -f pod/gone"
mv id.txt id.moved
fails "identity gone: exit 125, secretctl's reason on podman's stderr" "^secretctl: $sid: .*cannot open '$T/id.txt'" "${P}_gone"
mv id.moved id.txt
cp "$STORE" s.bak
sc unset "$STORE" pod/gone
fails "path removed: the container does not start, says no such path" "^secretctl: $sid: pod/gone: no such path" "${P}_gone"
cp s.bak "$STORE"
sed -i 's/^pod:/pod :/' "$STORE"
fails "store changed without the key (MAC fails): exit 125, says integrity" "^secretctl: $sid: .*(MAC|mac)" "${P}_gone"
cp s.bak "$STORE"
mv "$STORE" "$D/moved.yaml"
fails "store gone: says which store" "^secretctl: $sid: .*$(basename "$STORE").*No such file" "${P}_gone"
mv "$D/moved.yaml" "$STORE"
sc set "$STORE" pod/gone --value-file /dev/null
fails "a value podman cannot take (empty): says so" "^secretctl: $sid: .*value is empty" "${P}_gone"
cp s.bak "$STORE"
run ctr "${P}_gone" -- "f:/run/secrets/${P}_gone"
assert_rc 0 "the store back: the same secret works again"

# no identity recorded, no terminal, a keyring bus that never answers:
# lookup gives up within the keyring's 2 s, the container does not start
unset SECRETCTL_IDENTITY
# (first: with no identity in podman's environment, the one -i recorded
# opens the store)
sc podman "$STORE" --driver shell -f pod/gone "${P}_noid" -i id.txt >/dev/null
run ctr "${P}_noid" -- "f:/run/secrets/${P}_noid"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "f:/run/secrets/${P}_noid=$(sc extract "$STORE" -f pod/gone -i id.txt | hex)" ]; then
	ok "no \$SECRETCTL_IDENTITY where podman runs: the identity -i recorded opens the store"
else not_ok "recorded identity (exit $RC)"; diag <"$T/err"; fi
# what the driver could never open is not made: a passphrase, or no key
# source at all in this environment
run sc podman "$STORE" --driver shell -f pod/gone "${P}_pp" --passphrase-file id.txt
assert_rc 2 "--driver shell --passphrase-file: exit 2 (podman starts containers with no one to ask)"
assert_err "^secretctl: podman: --driver shell records identity files, not a passphrase: give -i with an identity that has no passphrase$" "...and says to give -i"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(5)
c = []
while True: c.append(s.accept()); time.sleep(0.1)' "$T/bus" &
BUSPID=$!
sleep 0.3
sc podman "$STORE" --driver shell -f pod/gone "${P}_nokey" -i id.txt >/dev/null
idn=$(id_of "${P}_nokey")
sed -i "s| $T/id.txt\$||" "$STATE/$idn" # an entry without identities: the environment's sources
start=$(date +%s%N)
run env DBUS_SESSION_BUS_ADDRESS="unix:path=$T/bus" timeout 20 podman run --rm --network=none --runtime runc \
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --secret "${P}_nokey" --rootfs "$ROOT" /readsecret e:HOME
ms=$((($(date +%s%N) - start) / 1000000))
kill "$BUSPID" 2>/dev/null; wait "$BUSPID" 2>/dev/null
if [ "$RC" = 125 ] && grep -q "^secretctl: podman-driver lookup $idn: .*no identity" "$T/err" && [ $ms -lt 6000 ]; then
	ok "a keyring that never answers: lookup gives up (${ms} ms), says no identity, nothing hangs"
else not_ok "silent keyring (exit $RC, $ms ms)"; diag <"$T/err"; fi
# a passphrase-protected identity and a terminal: the driver never asks
if command -v age >/dev/null; then
	python3 "$TOP/tests/cli/ptyrun.py" -t 10 'passphrase' 'pw' 'passphrase' 'pw' -- \
		sh -c "age -p -o '$T/id.age' '$T/id.txt'" 2>/dev/null
	chmod 600 "$T/id.age"
	printf 'secretctl-ref/1 %s f pod/gone %s\n' "$(sed 's/^secretctl-ref\/1 \([^ ]*\) .*/\1/' "$STATE/$idn")" "$T/id.age" >"$STATE/$idn"
	run timeout 20 python3 "$TOP/tests/cli/ptyrun.py" -t 15 -- env SECRET_ID="$idn" "$SECRETCTL" podman-driver lookup
	if [ "$RC" != 0 ] && [ "$RC" != 124 ] && grep -q "passphrase-protected and there is no terminal to ask on" "$T/err"; then
		ok "on a terminal, a passphrase-protected identity is refused, never asked for"
	else not_ok "driver on a terminal (exit $RC)"; diag <"$T/err"; fi
	# so podman --driver shell -i with it is refused at create, though its
	# own run could ask (it does the driver's lookup first, with no terminal)
	run timeout 20 python3 "$TOP/tests/cli/ptyrun.py" -t 15 'assphrase' 'pw' -- \
		"$SECRETCTL" podman "$STORE" --driver shell -f pod/gone "${P}_ppid" -i "$T/id.age"
	if [ "$RC" = 4 ] && grep -q "driver could not open the store at a container start (no terminal; the identities given)" "$T/out" "$T/err" &&
		[ -z "$(id_of "${P}_ppid")" ]; then
		ok "podman --driver shell -i PASSPHRASE-PROTECTED: refused (exit 4) before podman runs, says why"
	else not_ok "create with a passphrase-protected identity (exit $RC)"; diag <"$T/out"; diag <"$T/err"; fi
else
	skip "age is not installed (passphrase-protected identity)"
fi
export SECRETCTL_IDENTITY="$T/id.txt"

# ---- the driver's input ----
drv() { run_in "$1" env SECRET_ID="$2" "$SECRETCTL" podman-driver "$3"; }
printf 'not a reference %s' "$P" >raw.txt
podman_opts=()
for op in list lookup store delete; do podman_opts+=(--driver-opts "$op=$SECRETCTL_REAL podman-driver $op"); done
# (podman 4.3 takes "-" only from a pipe)
run bash -c 'cat raw.txt | podman secret create "$@"' _ --driver shell "${podman_opts[@]}" "${P}_raw" -
if [ "$RC" = 125 ] && grep -q "^secretctl: podman-driver store [0-9a-f]\{25\}: the secret data is not a secretctl reference: it does not start with 'secretctl-ref/1 '; a shell-driver secret of secretctl holds a reference that 'secretctl podman --driver shell' makes, never a value$" "$T/err" &&
	grep -q "^Error: creating secret ${P}_raw: exit status 6$" "$T/err"; then
	ok "podman secret create of a raw value: refused by store, podman shows secretctl's reason then 'exit status 6'"
else not_ok "raw value (exit $RC)"; diag <"$T/err"; fi
if ! grep -q "not a reference $P" "$T/err" && ! grep -rqF "not a reference $P" "$STATE"; then
	ok "...the raw value is neither in the message nor in the driver's state"; else not_ok "raw value leaked"; fi
assert "...and podman has no such secret" [ -z "$(id_of "${P}_raw")" ]
Z=0123456789abcdef012345678
bad_ref() { # DESC REF WHY
	printf '%s' "$2" >ref.txt
	drv ref.txt $Z store
	if [ "$RC" = 6 ] && grep -q "not a secretctl reference: $3" "$T/err" && [ ! -e "$STATE/$Z" ]; then ok "$1"
	else not_ok "$1 (exit $RC)"; diag <"$T/err"; fi
}
bad_ref "store: a relative store path is refused" "secretctl-ref/1 s.yaml f pod/x" "its store is not an absolute path"
bad_ref "store: an unknown form is refused" "secretctl-ref/1 /a.yaml x pod/x" "its form is neither f nor e"
bad_ref "store: a missing PATH is refused" "secretctl-ref/1 /s.yaml f" "it has fewer than three fields"
bad_ref "store: a raw space splits a field (the form is then 'b.yaml'), so it is refused" "secretctl-ref/1 /a b.yaml f pod/x" "its form is neither"
bad_ref "store: a non-canonical escape (%41 for A) is refused" "secretctl-ref/1 /%41.yaml f pod/x" "a field has a malformed %-escape"
bad_ref "store: a %00 is refused" "secretctl-ref/1 /a%00.yaml f pod/x" "a field has a malformed %-escape"
bad_ref "store: an empty field (two spaces) is refused" "secretctl-ref/1 /a.yaml  f pod/x" "it has an empty field"
bad_ref "store: a relative identity is refused" "secretctl-ref/1 /a.yaml f pod/x id.txt" "an identity is not an absolute path"
bad_ref "store: a PATH that does not parse is refused" "secretctl-ref/1 /a.yaml f pod/~2" "its PATH is not a PATH"
head -c 5000 /dev/zero | tr '\0' x >long.txt
drv long.txt $Z store
assert_rc 6 "store: more than 4096 bytes of input: exit 6"
assert_err "it is longer than a reference can be" "...says it is too long"
printf 'secretctl-ref/1 %s/nope.yaml f pod/x\n' "$T" >ref.txt
drv ref.txt $Z store
assert_rc 3 "store: a reference to a store that does not exist: exit 3"
for id in "" 0123456789abcdef01234567 0123456789abcdef0123456789 0123456789ABCDEF012345678 \
	"../../../../tmp/$P-x" 0123456789abcdef01234567g; do
	for op in lookup store delete; do
		drv /dev/null "$id" $op
		[ "$RC" = 2 ] && grep -q "^secretctl: podman-driver $op: SECRET_ID" "$T/err" || { not_ok "SECRET_ID '$id' $op (exit $RC)"; diag <"$T/err"; continue 2; }
	done
	ok "SECRET_ID '${id:-(unset)}': lookup, store, delete refuse it (exit 2)"
done
assert "...and nothing was written outside the state directory" [ ! -e "/tmp/$P-x" ]
run "$SECRETCTL" podman-driver frobnicate
assert_rc 2 "an unknown driver command: exit 2"
assert_err "unknown driver command 'frobnicate'; podman runs list, lookup, store, delete" "...names the four"
drv /dev/null $Z lookup
assert_rc 3 "lookup of an ID without an entry: exit 3"
assert_err "^secretctl: podman-driver lookup $Z: no reference for secret $Z in '$STATE'$" "...says so"
ln -s /etc/passwd "$STATE/$Z"
drv /dev/null $Z lookup
assert_rc 7 "lookup: an entry that is a symlink is refused (exit 7)"
rm -f "$STATE/$Z"

# ---- pinned signers: lookup checks them as extract does ----
if command -v ssh-keygen >/dev/null; then
	ssh-keygen -q -t ed25519 -N '' -C admin@example.org -f admin
	ssh-keygen -q -t ed25519 -N '' -C eve@example.org -f eve
	echo "admin@example.org $(cat admin.pub)" > allowed
	printf 'db:\n  password: pinned %s\n' "$P" > sp.yaml
	sc init sig.yaml --from sp.yaml --sign-with admin -r "$(sc keygen -y id.txt)"
	ZS=$(printf 'fe%023d' $$)
	printf 'secretctl-ref/1 %s f db/password %s\n' "$T/sig.yaml" "$T/id.txt" >sref.txt
	drv sref.txt $ZS store
	assert_rc 0 "store: a reference to a signed store"
	run env SECRETCTL_ALLOWED_SIGNERS="$T/allowed" SECRET_ID=$ZS "$SECRETCTL" podman-driver lookup
	assert_out "^pinned $P\$" "lookup, its signer pinned: the value"
	cp sig.yaml sig.orig
	sc set sig.yaml db/password --drop-signatures <<<"attacker $P"
	run env SECRETCTL_ALLOWED_SIGNERS="$T/allowed" SECRET_ID=$ZS "$SECRETCTL" podman-driver lookup
	assert_rc 5 "lookup: the store rewritten unsigned (--drop-signatures): exit 5"
	assert_err "^secretctl: podman-driver lookup $ZS: $T/sig.yaml -f db/password: $T/sig.yaml is not signed, and $T/allowed pins its signers: refused$" \
		"...says why, naming the reference"
	assert "...and prints no value" test ! -s "$T/out"
	cp sig.orig sig.yaml
	SECRETCTL_SIGNING_KEY=$T/eve sc set sig.yaml db/password <<<"attacker $P"
	run env SECRETCTL_ALLOWED_SIGNERS="$T/allowed" SECRET_ID=$ZS "$SECRETCTL" podman-driver lookup
	assert_rc 5 "lookup: the store signed by an unlisted key: exit 5"
	assert "...and prints no value" test ! -s "$T/out"
	run env SECRETCTL_ALLOWED_SIGNERS="$T/allowed" "$SECRETCTL" podman sig.yaml --driver shell -f db/password "${P}_pin"
	assert_rc 5 "podman --driver shell: an unpinned store is refused (exit 5) before podman runs"
	assert_err "^secretctl: sig.yaml is signed by SHA256:[^ ]+, not listed in $T/allowed: refused$" "...says why"
	assert "...no secret made" test -z "$(id_of "${P}_pin")"
	drv /dev/null $ZS delete
else
	skip "ssh-keygen is not installed (pinned signers)"
fi

# ---- the man page's containers.conf recipe: every create goes through secretctl ----
sed -n '/^\[secrets\]$/,/^delete = /p' "$TOP/docs/secretctl.1.scd" |
	sed "s|/usr/bin/secretctl|$SECRETCTL_REAL|" >containers.conf
if grep -q '^driver = "shell"$' containers.conf && [ "$(grep -c "^[a-z]* = \"$SECRETCTL_REAL podman-driver" containers.conf)" = 4 ]; then
	ok "the man page has the containers.conf recipe ([secrets] driver = shell, four [secrets.opts])"
else not_ok "no containers.conf recipe in the man page"; diag <containers.conf; fi
run bash -c 'cat raw.txt | CONTAINERS_CONF=$PWD/containers.conf podman secret create "$1" -' _ "${P}_ccraw"
if [ "$RC" = 125 ] && grep -q "not a secretctl reference" "$T/err" && [ -z "$(id_of "${P}_ccraw")" ]; then
	ok "containers.conf recipe: podman secret create of a raw value is refused"
else not_ok "containers.conf raw (exit $RC)"; diag <"$T/err"; fi
printf 'secretctl-ref/1 %s f pod/bin %s\n' "$encd/s.yaml" "$T/id.txt" >ref.txt
run bash -c 'cat ref.txt | CONTAINERS_CONF=$PWD/containers.conf podman secret create "$1" -' _ "${P}_ccref"
assert_rc 0 "containers.conf recipe: podman secret create of a reference works"
run env CONTAINERS_CONF="$PWD/containers.conf" podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
	--ulimit nproc=1024:1024 --secret "${P}_ccref" --rootfs "$ROOT" /readsecret "f:/run/secrets/${P}_ccref"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "f:/run/secrets/${P}_ccref=$(hex <val.1)" ]; then
	ok "...and a container reads the value it names"; else not_ok "containers.conf container (rc $RC)"; fi
run env CONTAINERS_CONF="$PWD/containers.conf" "$SECRETCTL" podman "$STORE" -f pod/file "${P}_ccfile"
if [ "$RC" = 0 ] && [ "$(podman secret inspect --format '{{.Spec.Driver.Name}}' "${P}_ccfile")" = file ]; then
	ok "containers.conf recipe: secretctl podman without --driver shell still makes a file-driver secret"
else not_ok "file driver under the recipe (exit $RC)"; diag <"$T/err"; fi

# ---- secretctl podman --driver shell: its own checks ----
run sc podman "$STORE" --driver nfs -f pod/file
assert_rc 2 "--driver other than file or shell: exit 2"
assert_err "--driver is file or shell, not 'nfs'" "...says so"
run sc podman "$STORE" --driver-bin /usr/bin/secretctl -f pod/file
assert_rc 2 "--driver-bin without --driver shell: exit 2"
run sc podman "$STORE" --driver shell --driver-bin "/opt/a,b/secretctl" -f pod/file "${P}_x"
assert_rc 2 "--driver-bin with a comma: exit 2"
assert_err "the driver program '/opt/a,b/secretctl' has ',', which podman's --driver-opts or /bin/sh -c would split or change" "...says why"
run sc podman "$STORE" --driver shell --driver-bin "secretctl" -f pod/file "${P}_x"
assert_rc 2 "a relative --driver-bin: exit 2"
run sc podman "$STORE" --driver shell -f pod/file "${P}_x" --label secretctl.ref=x
assert_rc 2 "--label secretctl.ref is secretctl's own: exit 2"
run sc podman "$STORE" --driver shell -f pod/file "${P}_x" -i "$T/nope.txt"
assert_rc 3 "--driver shell -i naming a missing identity: exit 3"
mkdir -p bin2 && cp "$SECRETCTL_REAL" bin2/secretctl
run sc podman "$STORE" --driver shell --driver-bin "$T/bin2/secretctl" -f pod/file "${P}_file" --dry-run
assert_out "would replace \(another secret driver or driver command\)" "another --driver-bin: the secret would be replaced"
echo "1..$TESTNUM"
