#!/bin/bash
# podman (as root, real podman 4.3.1): containers see exactly the bytes of
# `extract -f` (file secrets, type=env secrets, NUL bytes, 511999 bytes);
# same value -> same secret ID; changed value -> new content; the value is
# never in podman's argv or environment; every error a user can reach.
# Container starts are slow (~0.3 s): one run before and one after a change.
. "$(dirname "$0")/lib.sh"
need podman runc cc python3 od
[ "$(id -u)" = 0 ] || { skip "needs root (tests/cli/podman_rootless.sh covers a user)"; exit 0; }

# Every secret this script makes starts with $P; all are removed on exit.
P=sct$$
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
# ctr [--secret SPEC]... -- ARG...: readsecret in a container, ARG=HEX lines
ctr() {
	local s=()
	while [ "$1" != -- ]; do s+=("$1"); shift; done; shift
	podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 "${s[@]}" --rootfs "$ROOT" /readsecret "$@"
}
if ! ctr -- e:HOME >"$T/out" 2>"$T/err"; then
	skip "podman cannot run a container here: $(head -1 "$T/err")"; exit 0
fi
hex() { od -An -v -tx1 | tr -d ' \n'; }

cd "$T"
sc keygen -o id.txt 2>/dev/null
export SECRETCTL_IDENTITY="$T/id.txt"
# Values: text, binary with NULs, the largest podman takes, too large,
# empty, an env mapping, a mapping with one NUL value, names podman refuses.
python3 - "$P" >plain.yaml <<'PY'
import base64, os, sys
p = sys.argv[1]
b = lambda data: "!!binary " + base64.b64encode(data).decode()
rnd = bytes(range(256)) * 3 + b"\0\0end\0"
big = (bytes(range(256)) * 2000)[:511999]
print(f"""pod:
  {p}_file: "hello\\nworld\\n"
  {p}_bin: {b(rnd)}
  {p}_big: {b(big)}
  {p}_scalar: "an env value with spaces, = and \\"quotes\\""
  {p}_wrap: Wr4pp3d-S3cret-{p}
  env:
    {p}_E1: first
    {p}_E2: "line1\\nline2 $HOME `x`"
  nul:
    {p}_OK: fine
    {p}_NUL: {b(b"a" + bytes(1) + b"b")}
  utf8:
    {p}_U8OK: fine
    {p}_FF: {b(b"a" + bytes([255]) + b"b")}
  sizes:
    {p}_ok: fine
    {p}_toobig: {b(b"x" * 512000)}
  empty: ""
  "a@b": at-sign
  "a/b": slash
  deep:
    inner: [1, 2]
pfx:
  app:
    DB_PASSWORD: "app's pw"
  web2:
    DB_PASSWORD: "web2 pw #2"
  long:
    {"L" * 50}: x
collide:
  app:
    {p}_DB: app-value
  web2:
    {p}_DB: web2-value
dry:
  {p}_D1: "dry one"
  {p}_D2: "dry two\\n"
exact:
  {p}_X_FIRST: abcdefgh
  {p}_X_MID: abcdefgh
  {p}_X_LAST: abcdefgh
  {p}_X_LONGER: abcdefgh
  {p}_X_SHORTER: abcdefgh
  {p}_X_ONE: a
""")
PY
sc encrypt plain.yaml -r "$(sc keygen -y id.txt)" -o s.yaml || { not_ok "encrypt"; exit 1; }

id_of() { podman secret inspect --format '{{.ID}}' -- "$1" 2>/dev/null; }
label_of() { podman secret inspect --format "{{index .Spec.Labels \"$2\"}}" -- "$1" 2>/dev/null; }

# ---- create, then nothing changes ----
run sc podman s.yaml -f "pod/${P}_file" -v
assert_rc 0 "-f creates a secret"
assert_err "^secretctl: ${P}_file: created \(id [0-9a-f]{25}\)$" "-v says created, with the ID"
id1=$(id_of "${P}_file")
run sc podman s.yaml -f "pod/${P}_file" -v
assert_rc 0 "the same value again"
assert_err "^secretctl: ${P}_file: unchanged \(id $id1\)$" "-v says unchanged"
if [ -n "$id1" ] && [ "$(id_of "${P}_file")" = "$id1" ]; then ok "same value: the secret ID is unchanged"
else not_ok "same value: ID $id1 became $(id_of "${P}_file")"; fi
d=$(label_of "${P}_file" secretctl.digest)
if [[ $d =~ ^[0-9a-f]{64}$ ]]; then ok "the secret carries secretctl.digest (64 hex digits)"
else not_ok "digest label is '$d'"; fi
plain_b2=$(printf 'hello\nworld\n' | b2sum -l 256 | cut -d' ' -f1)
if [ "$d" != "$plain_b2" ]; then ok "the digest is keyed (not BLAKE2b of the value alone)"
else not_ok "the digest is the unkeyed hash of the value"; fi

run sc podman s.yaml -f "pod/${P}_bin"
assert_rc 0 "-f with NUL bytes"
run sc podman s.yaml -f "pod/${P}_big" -v
assert_rc 0 "-f with 511999 bytes (the most podman takes)"
run sc podman s.yaml -e "pod/env" -v
assert_rc 0 "-e on a mapping: one secret per child"
if grep -q "^secretctl: ${P}_E1: created" "$T/err" && grep -q "^secretctl: ${P}_E2: created" "$T/err"
then ok "-e mapping: each child named after its key"; else not_ok "-e mapping names"; diag <"$T/err"; fi
run sc podman s.yaml -e "pod/${P}_scalar"
assert_rc 0 "-e on a scalar: one secret with the bare value"
run sc podman s.yaml -f "pod/${P}_file" "${P}_named" -v
assert_rc 0 "NAME names the secret"
assert_err "^secretctl: ${P}_named: created" "-v names it"

# ---- one container sees them all ----
for k in file bin big scalar; do sc extract s.yaml -f "pod/${P}_$k" | hex >"want_$k"; done
for k in E1 E2; do sc extract s.yaml -f "pod/env/${P}_$k" | hex >"want_$k"; done
run ctr --secret "${P}_file" --secret "${P}_bin" --secret "${P}_big" --secret "${P}_named" \
	--secret "${P}_scalar,type=env,target=SCALAR" --secret "${P}_E1,type=env,target=E1" \
	--secret "${P}_E2,type=env,target=E2" -- \
	"f:/run/secrets/${P}_file" "f:/run/secrets/${P}_bin" "f:/run/secrets/${P}_big" \
	"f:/run/secrets/${P}_named" e:SCALAR e:E1 e:E2
assert_rc 0 "a container starts with all the secrets"
cp "$T/out" got1
seen() { # DESC ARG WANTFILE
	local g; g=$(grep -F "$2=" got1 | head -1); g=${g#*=}
	if [ -s "$3" ] && [ "$g" = "$(cat "$3")" ]; then ok "$1"
	else not_ok "$1"; echo "want $(head -c 80 "$3") got ${g:0:80}" | diag; fi
}
seen "file secret: the container reads exactly extract -f's bytes" "f:/run/secrets/${P}_file" want_file
seen "file secret with NUL bytes: exactly extract -f's bytes" "f:/run/secrets/${P}_bin" want_bin
seen "file secret of 511999 bytes: exactly extract -f's bytes" "f:/run/secrets/${P}_big" want_big
seen "NAME: the container reads it under that name" "f:/run/secrets/${P}_named" want_file
seen "type=env secret from -e scalar: exactly the value" e:SCALAR want_scalar
seen "type=env secret from -e mapping child: exactly the value" e:E1 want_E1
seen "type=env secret with a newline, \$ and backquotes: exactly the value" e:E2 want_E2

# ---- a changed value: new secret, new content ----
printf 'changed\0value' >new.bin
sc set s.yaml "pod/${P}_file" --value-file new.bin || not_ok "set"
run sc podman s.yaml -f "pod/${P}_file" -v
assert_rc 0 "a changed value is put in place"
assert_err "^secretctl: ${P}_file: replaced \(removed, then created: podman < 4.7 has no --replace\) \(id [0-9a-f]{25}\)$" \
	"-v on podman 4.3 says removed, then created"
id2=$(id_of "${P}_file")
if [ -n "$id2" ] && [ "$id2" != "$id1" ]; then ok "changed value: a new secret ID"
else not_ok "changed value: ID $id1 -> $id2"; fi
if [ "$(label_of "${P}_file" secretctl.digest)" != "$d" ]; then ok "changed value: a new digest label"
else not_ok "digest label did not change"; fi
run ctr --secret "${P}_file" -- "f:/run/secrets/${P}_file"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "f:/run/secrets/${P}_file=$(hex <new.bin)" ]; then
	ok "changed value: a new container reads the new bytes"
else not_ok "changed value in a new container (rc $RC)"; diag <"$T/out"; cat "$T/err" | diag; fi

# ---- labels ----
run sc podman s.yaml -f "pod/${P}_file" --label app=web -l team=ops -v
assert_rc 0 "--label on an unchanged value"
assert_err "${P}_file: replaced" "a new label replaces the secret"
if [ "$(label_of "${P}_file" app)" = web ] && [ "$(label_of "${P}_file" team)" = ops ]; then
	ok "labels are on the secret"; else not_ok "labels missing"; fi
run sc podman s.yaml -f "pod/${P}_file" --label app=web -l team=ops -v
assert_err "${P}_file: unchanged" "same labels and value: unchanged"

# ---- the value is never in argv or the environment ----
cat >wrap.sh <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$T/wrap.argv"
env >>"$T/wrap.env"
cat /proc/self/cmdline >>"$T/wrap.cmdline"
exec podman "\$@"
EOF
chmod +x wrap.sh
: >wrap.argv; : >wrap.env
run sc podman s.yaml -f "pod/${P}_wrap" --podman "$T/wrap.sh" -v
assert_rc 0 "--podman runs the given program"
if grep -qx create wrap.argv && grep -qx -- - wrap.argv; then ok "the wrapper saw secret create NAME -"
else not_ok "wrapper did not see the create"; diag <wrap.argv; fi
if ! grep -q "Wr4pp3d-S3cret" wrap.argv wrap.env wrap.cmdline; then
	ok "the value is in neither podman's argv nor its environment"
else not_ok "the value leaked into argv or env"; fi
if [ "$(podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	--secret "${P}_wrap" --rootfs "$ROOT" /readsecret "f:/run/secrets/${P}_wrap" 2>/dev/null)" = \
	"f:/run/secrets/${P}_wrap=$(printf %s "Wr4pp3d-S3cret-$P" | hex)" ]; then
	ok "...and it reached the secret through stdin"
else not_ok "the wrapped secret's content differs"; fi

# ---- errors ----
# podman missing: exit 8, a clear message
mkdir -p nobin
run env PATH="$T/nobin" "$SECRETCTL" podman s.yaml -f "pod/${P}_file"
assert_rc 8 "podman not installed: exit 8"
assert_err "^secretctl: podman is not installed \(not found in PATH\); install it, or name the program with --podman$" \
	"podman not installed: says so"
assert_one_line "podman not installed: one line"
run sc podman s.yaml -f "pod/${P}_file" --podman "$T/nobin/podman"
assert_rc 8 "--podman naming a missing file: exit 8"
assert_err "cannot run $T/nobin/podman: No such file or directory" "--podman missing: says why"

# podman failing: exit 8 with podman's own stderr (a broken --root)
printf x >notadir
cat >broken.sh <<EOF
#!/bin/sh
[ "\$1" = version ] && exec podman "\$@"
exec podman --root "$T/notadir/x" "\$@"
EOF
chmod +x broken.sh
run sc podman s.yaml -f "pod/${P}_file" "${P}_new" --podman "$T/broken.sh"
assert_rc 8 "podman failing: exit 8"
assert_err "^secretctl: podman secret inspect: exit status 125: Error: .*not a directory" \
	"podman failing: podman's stderr is passed on"
cat >broken2.sh <<EOF
#!/bin/sh
[ "\$2" = create ] && exec podman --root "$T/notadir/x" "\$@"
exec podman "\$@"
EOF
chmod +x broken2.sh
run sc podman s.yaml -f "pod/${P}_file" "${P}_new" --podman "$T/broken2.sh"
assert_rc 8 "podman secret create failing: exit 8"
assert_err "^secretctl: podman secret create ${P}_new: exit status 125: Error: .*not a directory" \
	"create failing: names the secret, podman's stderr passed on"
cat >fakever.sh <<'EOF'
#!/bin/sh
echo "not-a-version"
EOF
chmod +x fakever.sh
run sc podman s.yaml -f "pod/${P}_file" --podman "$T/fakever.sh"
assert_rc 8 "an unreadable podman version: exit 8"
assert_err "cannot read podman's version from 'not-a-version'" "...says what it got"

# Checks before podman runs: a logging wrapper shows whether it ran at all.
cat >log.sh <<EOF
#!/bin/sh
echo "\$*" >>"$T/log"
exec podman "\$@"
EOF
chmod +x log.sh
ran() { [ -s "$T/log" ] && tr '\n' '|' <"$T/log"; }
refused() { # RC REGEX DESC ARGS...
	local want=$1 re=$2 desc=$3; shift 3
	: >log
	run sc podman s.yaml --podman "$T/log.sh" "$@"
	if [ "$RC" = "$want" ] && grep -Eq -- "$re" "$T/err"; then ok "$desc"
	else not_ok "$desc (exit $RC)"; diag <"$T/err"; fi
}
refused 6 "^secretctl: pod/empty: value is empty; a podman secret holds 1 to 511999 bytes$" \
	"an empty value: exit 6" -f pod/empty
if [ -z "$(ran)" ]; then ok "...podman never ran"; else not_ok "podman ran: $(ran)"; fi
refused 6 "^secretctl: pod/sizes/${P}_toobig: value is 512000 bytes; a podman secret holds 1 to 511999 bytes$" \
	"512000 bytes: exit 6" -f "pod/sizes/${P}_toobig"
refused 6 "pod/sizes/${P}_toobig: value is 512000 bytes" \
	"several secrets, one too large: exit 6" -e pod/sizes
if [ -z "$(ran)" ] && [ -z "$(id_of "${P}_ok")" ]; then
	ok "...all checked before podman ran at all: the good one is not created either"
else not_ok "podman ran: $(ran)"; fi
refused 6 "^secretctl: pod/nul/${P}_NUL: value has a NUL byte \(offset 1\), which an environment variable cannot carry \(runc refuses it\); use -f$" \
	"-e with a NUL byte: exit 6" -e pod/nul
if [ -z "$(ran)" ] && [ -z "$(id_of "${P}_OK")" ]; then ok "...before podman ran"; else not_ok "podman ran: $(ran)"; fi
run sc podman s.yaml -f "pod/nul/${P}_NUL"
assert_rc 0 "-f with the same NUL value is fine (a file holds any byte)"
refused 6 "^secretctl: pod/utf8/${P}_FF: value is not valid UTF-8 \(byte 0xff at offset 1\), which podman turns into U\+FFFD in an environment variable; use -f$" \
	"-e with invalid UTF-8: exit 6" -e pod/utf8
if [ -z "$(ran)" ] && [ -z "$(id_of "${P}_U8OK")" ]; then ok "...before podman ran"; else not_ok "podman ran: $(ran)"; fi
run sc podman s.yaml -f "pod/utf8/${P}_FF"
assert_rc 0 "-f with the same value is fine (a file secret holds the bytes)"
refused 6 "^secretctl: pod/a@b: secret name 'a@b' has '@' \(byte 1\); podman 4.3 takes only \[a-zA-Z0-9_.-\]$" \
	"a name podman 4.3 refuses: exit 6, says why" -f pod/a@b
if [ "$(ran)" = "version --format {{.Client.Version}}|" ]; then ok "...only the version probe ran"
else not_ok "podman ran: $(ran)"; fi
refused 6 "secret name 'a/b' has '/'" "a name with '/': exit 6" -f "pod/a~1b"
refused 6 "secret name '_x' starts with '_'; podman 4.3 wants a letter or digit first" \
	"NAME starting with '_': exit 6" -f pod/a@b _x
refused 6 "is 65 bytes; podman 4.3 takes at most 64" "a 65-byte NAME: exit 6" \
	-f pod/a@b "$(printf 'n%.0s' $(seq 65))"
refused 2 "NAME goes with a scalar; the secrets of mapping pod/env are named after its keys" \
	"NAME with -e on a mapping: exit 2" -e pod/env "${P}_x"
refused 2 "the label secretctl.digest is secretctl's own" "--label secretctl.digest: exit 2" \
	-f "pod/${P}_file" --label secretctl.digest=00
refused 2 "label '=x' has no key" "--label without a key: exit 2" -f "pod/${P}_file" --label =x
refused 2 "give exactly one of -e PATH" "neither -e nor -f: exit 2"
refused 6 "pod/deep/inner is a sequence" "-e on a sequence: exit 6" -e pod/deep/inner
refused 3 "no such path" "a missing PATH: exit 3" -f pod/nope
if [ -z "$(ran)" ]; then ok "...podman never ran for usage and path errors"; else not_ok "podman ran: $(ran)"; fi

# ---- --prefix: two units' DB_PASSWORD apart in the one podman namespace ----
# Without it, the second mapping's key takes the first one's secret.
run sc podman s.yaml -e collide/app -v
assert_err "^secretctl: ${P}_DB: created" "no prefix: app's ${P}_DB created"
run sc podman s.yaml -e collide/web2 -v
assert_err "^secretctl: ${P}_DB: replaced" "no prefix: web2's key of the same name replaces app's secret (the collision)"
run sc podman s.yaml -e pfx/app --prefix "${P}app_" -v
assert_rc 0 "--prefix: app's secrets"
assert_err "^secretctl: ${P}app_DB_PASSWORD: created \(id [0-9a-f]{25}\)$" "--prefix P: the secret is P+KEY"
run sc podman s.yaml -e pfx/web2 --prefix "${P}web2_" -v
assert_err "^secretctl: ${P}web2_DB_PASSWORD: created" "--prefix: web2's DB_PASSWORD is a secret of its own"
run sc podman s.yaml -e pfx/app --prefix "${P}app_" -v
assert_err "^secretctl: ${P}app_DB_PASSWORD: unchanged" "--prefix: app's secret stays, unchanged"
# the quadlet pairing Secret=web2_DB_PASSWORD,type=env,target=DB_PASSWORD
run ctr --secret "${P}web2_DB_PASSWORD,type=env,target=DB_PASSWORD" \
	--secret "${P}app_DB_PASSWORD,type=env,target=APP_DB_PASSWORD" -- e:DB_PASSWORD e:APP_DB_PASSWORD
want="e:DB_PASSWORD=$(sc extract s.yaml -f pfx/web2/DB_PASSWORD | hex)
e:APP_DB_PASSWORD=$(sc extract s.yaml -f pfx/app/DB_PASSWORD | hex)"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$want" ]; then
	ok "a container sees DB_PASSWORD from the prefixed secret (type=env,target=DB_PASSWORD), each unit its own"
else not_ok "prefixed env secrets (rc $RC)"; { cat "$T/out"; echo "want:"; echo "$want"; cat "$T/err"; } | diag; fi
run sc podman s.yaml -f pfx/app/DB_PASSWORD --prefix "${P}f." -v
assert_err "^secretctl: ${P}f\.DB_PASSWORD: created" "--prefix with -f: P+the last segment"
run sc podman s.yaml -f pfx/app/DB_PASSWORD pw --prefix "${P}n-" -v
assert_err "^secretctl: ${P}n-pw: created" "--prefix with NAME: P+NAME"
refused 2 "^secretctl: --prefix 'a@' has '@' \(byte 1\); podman 4.3 takes only \[a-zA-Z0-9_.-\] in secret names$" \
	"a --prefix podman 4.3 refuses: exit 2, says why" -e pfx/app --prefix a@
if [ "$(ran)" = "version --format {{.Client.Version}}|" ]; then ok "...only the version probe ran"
else not_ok "podman ran: $(ran)"; fi
refused 2 "^secretctl: --prefix '_a' starts with '_'; podman 4.3 wants a letter or digit first in secret names$" \
	"a --prefix starting with '_': exit 2" -e pfx/app --prefix _a
refused 2 "^secretctl: podman: --prefix is empty" "an empty --prefix: exit 2" -e pfx/app --prefix ''
if [ -z "$(ran)" ]; then ok "...podman never ran"; else not_ok "podman ran: $(ran)"; fi
refused 6 "^secretctl: pfx/long/L{50}: secret name '${P}_0123456789L+\.\.\.' is [0-9]+ bytes; podman 4.3 takes at most 64$" \
	"--prefix making a name over 64 bytes: exit 6, names the whole name" -e pfx/long --prefix "${P}_0123456789"
run sc podman s.yaml -e pfx/long --prefix "${P}_"
assert_rc 0 "the same key with a prefix that keeps the name within 64 bytes"

# ---- --dry-run: what a run would do, by the digest label; nothing changes ----
# (podman 4.3 has no secret inspect --showsecret: this is the check there)
dry() { : >log; run sc podman s.yaml --podman "$T/log.sh" --dry-run "$@"; }
only_reads() { # DESC: the wrapper saw podman version and secret inspect only
	if [ "$(grep -cv '^version --format\|^secret inspect --format' log)" = 0 ] && grep -q '^secret inspect' log
	then ok "$1"; else not_ok "$1"; diag <log; fi
}
dry -e dry
assert_rc 9 "--dry-run, two new secrets: exit 9 (something would change)"
if [ "$(cat "$T/out")" = "${P}_D1: would create (no such secret)
${P}_D2: would create (no such secret)" ]; then ok "--dry-run says would create (no such secret) per secret, on stdout"
else not_ok "--dry-run output"; diag <"$T/out"; fi
assert "...and nothing on stderr" [ ! -s "$T/err" ]
only_reads "...podman ran only version and secret inspect"
if [ -z "$(id_of "${P}_D1")" ] && [ -z "$(id_of "${P}_D2")" ]; then ok "...and no secret was created"
else not_ok "--dry-run created a secret"; fi
run sc podman s.yaml -e dry
assert_rc 0 "the real run creates them"
dry -e dry
assert_rc 0 "--dry-run with nothing to change: exit 0"
if [ "$(cat "$T/out")" = "${P}_D1: unchanged (digest and labels equal)
${P}_D2: unchanged (digest and labels equal)" ]; then ok "--dry-run says unchanged (digest and labels equal)"
else not_ok "--dry-run output"; diag <"$T/out"; fi
d1=$(id_of "${P}_D1"); l1=$(label_of "${P}_D1" secretctl.digest)
printf 'dry ONE' >new.bin
sc set s.yaml "dry/${P}_D1" --value-file new.bin
dry -e dry
assert_rc 9 "--dry-run after a value changed: exit 9"
if [ "$(cat "$T/out")" = "${P}_D1: would replace (digest label differs)
${P}_D2: unchanged (digest and labels equal)" ]; then ok "--dry-run says would replace (digest label differs) for the changed one only"
else not_ok "--dry-run output"; diag <"$T/out"; fi
only_reads "...podman ran only version and secret inspect"
if [ "$(id_of "${P}_D1")" = "$d1" ] && [ "$(label_of "${P}_D1" secretctl.digest)" = "$l1" ]; then
	ok "...and the secret is the old one (same ID, same digest label)"
else not_ok "--dry-run replaced the secret"; fi
dry -e dry --label app=web
assert_rc 9 "--dry-run with a new --label: exit 9"
assert_out "^${P}_D2: would replace \(labels differ\)$" "--dry-run says would replace (labels differ)"
printf 'by hand' | podman secret create "${P}_hand" - >/dev/null
dry -f "dry/${P}_D2" "${P}_hand"
assert_rc 9 "--dry-run on a secret made by hand: exit 9"
assert_out "^${P}_hand: would replace \(no digest label: not made by secretctl\)$" \
	"--dry-run says would replace (no digest label: not made by secretctl)"
dry -f "dry/${P}_D2" "${P}_D2" --prefix "${P}x"
assert_out "^${P}x${P}_D2: would create \(no such secret\)$" "--dry-run names secrets with the --prefix"
run sc podman s.yaml -e dry -v
assert_err "^secretctl: ${P}_D1: replaced" "the real run then replaces what the dry run said"
dry -e dry -v
assert_rc 0 "--dry-run -v after it: exit 0"
if [ "$(grep -c "^${P}_D[12]: unchanged" "$T/out")" = 2 ] && ! grep -q "${P}_D" "$T/err"; then
	ok "...-v: the report stays on stdout, no created/replaced notes"
else not_ok "--dry-run -v"; diag <"$T/err"; fi
dry -e pod/nul
assert_rc 6 "--dry-run still refuses a value -e cannot carry (exit 6)"
run env PATH="$T/nobin" "$SECRETCTL" podman s.yaml -e dry --dry-run
assert_rc 8 "--dry-run without podman: exit 8"

# ---- the unchanged check is exact: one byte anywhere, or one byte more or
# less at the end, is a new value (a digest over len - 1 bytes would keep
# _LAST and _ONE) ----
X=(FIRST MID LAST LONGER SHORTER ONE)
run sc podman s.yaml -e exact
assert_rc 0 "six secrets of 'abcdefgh' and 'a'"
xctr() { # the container's X_* variables, NAME=HEX lines
	local spec=() args=() k
	for k in "${X[@]}"; do spec+=(--secret "${P}_X_$k,type=env,target=X_$k"); args+=("e:X_$k"); done
	run ctr "${spec[@]}" -- "${args[@]}"
}
xctr
if [ "$RC" = 0 ] && [ "$(grep -c '=6162636465666768$' "$T/out")" = 5 ] && grep -qx 'e:X_ONE=61' "$T/out"; then
	ok "a container sees the six first values"
else not_ok "first values (rc $RC)"; diag <"$T/out"; fi
for kv in FIRST=Xbcdefgh MID=abcdXfgh LAST=abcdefgX LONGER=abcdefghX SHORTER=abcdefg ONE=b; do
	printf %s "${kv#*=}" >new.bin
	sc set s.yaml "exact/${P}_X_${kv%%=*}" --value-file new.bin || not_ok "set ${kv%%=*}"
done
run sc podman s.yaml -e exact --dry-run
if [ "$RC" = 9 ] && [ "$(grep -c ': would replace (digest label differs)$' "$T/out")" = 6 ]; then
	ok "--dry-run: each of the six would be replaced (first, middle, last byte, one more, one less, the only byte)"
else not_ok "--dry-run on changed bytes (exit $RC)"; diag <"$T/out"; fi
run sc podman s.yaml -e exact -v
miss=""
for k in "${X[@]}"; do grep -q "^secretctl: ${P}_X_$k: replaced" "$T/err" || miss="$miss $k"; done
assert "each changed value is replaced${miss:+ (not:$miss)}" [ -z "$miss" ]
xctr
want="e:X_FIRST=$(printf Xbcdefgh | hex)
e:X_MID=$(printf abcdXfgh | hex)
e:X_LAST=$(printf abcdefgX | hex)
e:X_LONGER=$(printf abcdefghX | hex)
e:X_SHORTER=$(printf abcdefg | hex)
e:X_ONE=$(printf b | hex)"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$want" ]; then ok "a new container sees each new value"
else not_ok "new values (rc $RC)"; { cat "$T/out"; echo want:; echo "$want"; } | diag; fi

# Why -e refuses NUL: runc will not start a container with it.
printf 'a\0b' | podman secret create "${P}_rawnul" - >/dev/null
run ctr --secret "${P}_rawnul,type=env,target=X" -- e:X
if [ "$RC" != 0 ]; then ok "runc refuses an env secret with a NUL byte (so -e refuses it first)"
else not_ok "a NUL env secret started a container"; fi
# Why -e refuses invalid UTF-8: podman hands it over as U+FFFD (the OCI
# spec is JSON), while a file secret keeps the bytes.
run ctr --secret "${P}_FF,type=env,target=X" --secret "${P}_FF" -- e:X "f:/run/secrets/${P}_FF"
if [ "$RC" = 0 ] && grep -qx 'e:X=61efbfbd62' "$T/out" && grep -qx "f:/run/secrets/${P}_FF=61ff62" "$T/out"; then
	ok "podman turns invalid UTF-8 in an env secret into U+FFFD, a file secret keeps it (so -e refuses it)"
else not_ok "invalid UTF-8 env secret (rc $RC)"; diag <"$T/out"; fi
echo "1..$TESTNUM"
