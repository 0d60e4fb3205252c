#!/bin/bash
# apply (as root, real podman 4.3.1): a manifest with 10 install files and
# 10 podman secrets. First run creates all; a second changes nothing
# (inodes, mtimes, podman IDs) and restarts nothing; after two `set`s,
# --restart replaces exactly those two targets and restarts exactly their
# units; --dry-run predicts each run. --unit, --list, --prune with
# look-alikes, and bad manifests that fail before any change.
# No systemd manager runs on the test machine (systemd is not PID 1, and
# `systemd --user` refuses to start), so `systemctl` is a recording wrapper
# on PATH: the test checks the command line apply runs.
. "$(dirname "$0")/lib.sh"
need podman python3 stat
[ "$(id -u)" = 0 ] || { skip "needs root (podman and files owned by others)"; exit 0; }

P=sap$$
cleanup() {
	podman secret ls --format '{{.Name}}' 2>/dev/null | grep "^$P" | while read -r n; do
		podman secret rm -- "$n" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1

# the recording systemctl
mkdir bin
cat >bin/systemctl <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$SYSTEMCTL_LOG"
SH
chmod +x bin/systemctl
export PATH="$T/bin:$PATH" SYSTEMCTL_LOG="$T/systemctl.log"

R=$(sc keygen -o id.txt 2>&1 | grep -o "age1[a-z0-9]*" | head -1)
export SECRETCTL_IDENTITY="$T/id.txt"
{
	echo "hosts:"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "  h$i:"
		echo "    env: {USER_$i: user$i, PASS_$i: \"pw $i\"}"
		echo "    key: \"key-$i\""
	done
} >plain.yaml
mkdir conf
sc encrypt plain.yaml -r "$R" -o conf/.secret.yaml
mkdir -p secrets
chmod 0750 secrets
{
	echo "store: .secret.yaml"
	echo "dir: $T/secrets"
	echo "install:"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "  h$i.env: {env: hosts/h$i/env, format: podman, restart: [app$i.service]}"
	done
	echo "podman:"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "  - {file: hosts/h$i/key, name: ${P}_k$i, restart: [pod$i.service, all.target]}"
	done
} >conf/apply.yaml
M=conf/apply.yaml

snap() { # inode, mtime of every file; podman IDs
	for i in 0 1 2 3 4 5 6 7 8 9; do stat -c "%n %i %Y %a %u" "secrets/h$i.env"; done
	podman secret ls --format '{{.Name}} {{.ID}}' | grep "^$P" | sort
}

run sc apply $M --dry-run
assert_rc 9 "dry-run before the first run: exit 9"
[ "$(grep -c ': would create' "$T/out")" = 20 ] && ok "dry-run: 20 would create" || { not_ok "dry-run: 20 would create"; diag <"$T/out"; }
assert "dry-run wrote nothing" test -z "$(ls secrets)"

run sc apply $M --restart -v
assert_rc 0 "first run"
[ "$(ls secrets | grep -c '^h.\.env$')" = 10 ] && ok "10 files made" || not_ok "10 files made"
[ "$(podman secret ls --format '{{.Name}}' | grep -c "^${P}_k")" = 10 ] && ok "10 podman secrets made" || not_ok "10 podman secrets made"
assert "a file has the env form" grep -qx 'PASS_3=pw 3' secrets/h3.env
assert "a file is 0400" test "$(stat -c %a secrets/h3.env)" = 400
assert "a podman secret has the manifest label" sh -c "podman secret inspect ${P}_k2 --format '{{.Spec.Labels}}' | grep -q secretctl.manifest:"
sort "$SYSTEMCTL_LOG" >/dev/null 2>&1
assert "first run restarted all 20 units in one call" test "$(wc -l <"$SYSTEMCTL_LOG")" = 1 -a "$(wc -w <"$SYSTEMCTL_LOG")" = 22
: >"$SYSTEMCTL_LOG"

snap >before
sleep 1
run sc apply $M --dry-run
assert_rc 0 "dry-run after: exit 0"
[ "$(grep -c ': unchanged' "$T/out")" = 20 ] && ok "dry-run: 20 unchanged" || { not_ok "dry-run: 20 unchanged"; diag <"$T/out"; }
run sc apply $M --restart
assert_rc 0 "second run"
snap >after
assert "second run: inodes, mtimes, podman IDs kept" cmp -s before after
assert "second run: nothing restarted" test ! -s "$SYSTEMCTL_LOG"

# two values change
printf 'new pw' | sc set conf/.secret.yaml hosts/h4/env/PASS_4 2>/dev/null
printf 'new key' | sc set conf/.secret.yaml hosts/h7/key 2>/dev/null
run sc apply $M --dry-run --restart
assert_rc 9 "dry-run after set: exit 9"
grep -v ': unchanged' "$T/out" >pred
printf '%s\n' "install $T/secrets/h4.env: would replace" "podman ${P}_k7: would replace (digest label differs)" \
	"would restart: app4.service pod7.service all.target" >want
assert "dry-run predicts exactly the two targets and their units" cmp -s pred want || diag <pred
run sc apply $M --restart -v
assert_rc 0 "run after set"
snap >after2
diff before after2 | grep '^>' | awk '{print $2}' >changed
printf '%s\n' "secrets/h4.env" "${P}_k7" >want
assert "exactly those two targets replaced" cmp -s changed want || diag <changed
assert "exactly their units restarted, one call" test "$(cat "$SYSTEMCTL_LOG")" = "try-restart app4.service pod7.service all.target"
assert "the new value is installed" grep -qx 'PASS_4=new pw' secrets/h4.env
: >"$SYSTEMCTL_LOG"

# --unit: only the targets that list it
printf 'pw again' | sc set conf/.secret.yaml hosts/h1/env/PASS_1 2>/dev/null
printf 'key again' | sc set conf/.secret.yaml hosts/h2/key 2>/dev/null
run sc apply $M --unit app1.service --dry-run
assert_rc 9 "--unit --dry-run: exit 9"
assert "--unit: one target reported" test "$(cat "$T/out")" = "install $T/secrets/h1.env: would replace"
run sc apply $M --unit app1.service --restart
assert_rc 0 "--unit run"
assert "--unit: h1 replaced" grep -qx 'PASS_1=pw again' secrets/h1.env
assert "--unit: the other change is left" test "$(podman secret inspect ${P}_k2 --format '{{.ID}}')" = "$(grep "^${P}_k2 " after2 | cut -d' ' -f2)"
assert "--unit: only its unit restarted" test "$(cat "$SYSTEMCTL_LOG")" = "try-restart app1.service"
run sc apply $M --unit nosuch.service
assert_rc 3 "--unit naming no target: exit 3"
assert_err "no target lists nosuch.service" "... says so"
run sc apply $M --unit 'bad unit'
assert_rc 2 "--unit with a bad name: exit 2"
run sc apply $M --prune --unit app1.service
assert_rc 2 "--prune with --unit: exit 2"
sc apply $M 2>/dev/null

# --list needs no key
run env -u SECRETCTL_IDENTITY "$SECRETCTL" apply $M --list
assert_rc 0 "--list without a key"
assert_out "^install	$T/secrets/h0.env	-e hosts/h0/env	app0.service$" "--list: an install line"
assert_out "^podman	${P}_k9	-f hosts/h9/key	pod9.service,all.target$" "--list: a podman line"

# --prune: h9 and k9 leave the manifest; look-alikes stay
grep -v 'h9' $M >conf/pruned.yaml
mv conf/pruned.yaml $M
echo lookalike >secrets/other.env
chmod 400 secrets/other.env
printf x | podman secret create ${P}_nolabel - >/dev/null
printf x | podman secret create --label secretctl.manifest=someoneelse ${P}_other - >/dev/null
run sc apply $M --prune --dry-run
assert_rc 9 "prune dry-run: exit 9"
printf '%s\n' "install $T/secrets/h9.env: would remove" "podman ${P}_k9: would remove" >want
grep 'remove' "$T/out" >pred
assert "prune dry-run names exactly the two" cmp -s pred want || diag <"$T/out"
run sc apply $M
assert "without --prune nothing is removed" test -f secrets/h9.env
run sc apply $M --prune -v
assert_rc 0 "prune run"
assert "h9.env removed" test ! -e secrets/h9.env
assert "k9 removed" sh -c "! podman secret inspect ${P}_k9 >/dev/null 2>&1"
assert "a look-alike file is kept" test -f secrets/other.env
assert "an unlabelled podman secret is kept" podman secret inspect ${P}_nolabel
assert "another manifest's podman secret is kept" podman secret inspect ${P}_other
assert "the other targets are kept" test -f secrets/h8.env
run sc apply $M --prune --dry-run
assert_rc 0 "after prune: nothing to do"

# one directory spelled two ways (a trailing /, //, /./) is one directory:
# --prune removes neither file
mkdir sp
printf 'store: .secret.yaml\ninstall:\n  a.env: {env: hosts/h0/env, dir: %s/sp}\n  b.env: {env: hosts/h1/env, dir: %s//sp/./}\n' "$T" "$T" >conf/spell.yaml
run sc apply conf/spell.yaml
assert_rc 0 "two spellings of one dir: apply"
run sc apply conf/spell.yaml --prune -v
assert_rc 0 "two spellings of one dir: prune"
assert "two spellings of one dir: prune removes nothing" test -f sp/a.env -a -f sp/b.env
assert "two spellings of one dir: prune says nothing removed" sh -c "! grep -q removed '$T/err'"
printf 'store: .secret.yaml\ndir: %s/sp/\ninstall:\n  a.env: {env: hosts/h0/env}\n' "$T" >conf/spell2.yaml
run sc apply conf/spell2.yaml --prune -v --dry-run
assert "the top-level dir: with a trailing / is the same directory" sh -c "! grep -q 'sp//' '$T/out'"
rm -rf sp conf/spell.yaml conf/spell2.yaml

# --restart with more units than targets: every unit is restarted
mkdir many
{
	printf 'store: .secret.yaml\ninstall:\n  a.env: {env: hosts/h0/env, dir: %s/many, restart: [' "$T"
	for i in $(seq 1 80); do printf '%su%d.service' "$([ $i = 1 ] || echo ', ')" $i; done
	printf ']}\n'
} >conf/many.yaml
run sc apply conf/many.yaml --restart --dry-run
assert "80 units: dry-run would restart all 80" grep -q '^would restart: u1.service .* u80.service$' "$T/out"
: >"$SYSTEMCTL_LOG"
run sc apply conf/many.yaml --restart
assert_rc 0 "80 units: apply --restart"
assert "80 units: one systemctl call names all 80" test "$(wc -l <"$SYSTEMCTL_LOG")" = 1 -a "$(wc -w <"$SYSTEMCTL_LOG")" = 81
assert "80 units: the last is u80.service" grep -q ' u80.service$' "$SYSTEMCTL_LOG"
: >"$SYSTEMCTL_LOG"
rm -rf many conf/many.yaml

# --prune goes through no symlink: a state file that is a symlink is
# refused; a managed directory replaced by a symlink is refused (exit 7)
# and nothing it points to is removed
mkdir ln ln/real outside
printf 'store: .secret.yaml\ninstall:\n  a.env: {env: hosts/h0/env, dir: %s/ln/d}\n  b.env: {env: hosts/h1/env, dir: %s/ln/d}\n' "$T" "$T" >conf/ln.yaml
mv ln/real ln/d
run sc apply conf/ln.yaml
assert_rc 0 "symlinks: apply"
sf=$(cd ln/d && ls -A | grep '^\.secretctl' | head -1)
grep -v 'b.env' conf/ln.yaml >conf/ln2.yaml && mv conf/ln2.yaml conf/ln.yaml
cp "ln/d/$sf" outside/state && mv "ln/d/$sf" ln/state.real && ln -s ../state.real "ln/d/$sf"
run sc apply conf/ln.yaml --prune
assert_rc 7 "symlinks: a state file that is a symlink: exit 7"
assert "symlinks: ... b.env is kept" test -f ln/d/b.env
rm "ln/d/$sf" && mkfifo "ln/d/$sf"
run timeout 60 "$SECRETCTL" apply conf/ln.yaml --prune
assert_rc 7 "symlinks: a state file that is a FIFO is refused, not waited on: exit 7"
rm "ln/d/$sf" && mv ln/state.real "ln/d/$sf"
mv ln/d ln/real && ln -s real ln/d
cp ln/real/b.env outside/b.env.copy
run sc apply conf/ln.yaml --prune
assert_rc 7 "symlinks: a managed directory that is a symlink: exit 7"
assert_err "symlink" "symlinks: ... says so"
assert "symlinks: ... nothing behind it is removed" test -f ln/real/b.env -a -f ln/real/a.env
rm -rf ln outside conf/ln.yaml

# a renamed manifest (another id): nothing of the old one is pruned
cp $M conf/moved.yaml
grep -v 'h8' conf/moved.yaml >conf/m2.yaml
run sc apply conf/m2.yaml --prune --dry-run
assert "a manifest at another path prunes nothing of this one's" sh -c "! grep -q remove '$T/out'"

# bad manifests: fail before any change, with line and column
stat -c "%n %i %Y %s" secrets/* secrets/.secretctl* secrets >ls-before
bad() { # WANT_RC PATTERN DESC (manifest on stdin)
	cat >conf/bad.yaml
	run sc apply conf/bad.yaml
	assert_rc "$1" "$3: exit $1"
	assert_err "$2" "$3: message"
}
bad 6 'bad.yaml:4:30: install: a.env: unknown key .fromat. \(did you mean .format.\?\)' "unknown key" <<<"$(printf 'store: .secret.yaml\ndir: %s\ninstall:\n  a.env: {env: hosts/h0/env, fromat: podman}\n' "$T/secrets")"
bad 6 'bad.yaml:3:36: install: a.env: expected a string, found a sequence' "bad type" <<<"$(printf 'store: .secret.yaml\ninstall:\n  a.env: {env: hosts/h0/env, mode: [1]}\n')"
bad 3 'nosuch.yaml' "missing store" <<<"$(printf 'store: nosuch.yaml\ninstall:\n  a.env: {env: hosts/h0/env}\n')"
bad 3 'bad.yaml:4:3: install: a.env: .*hosts/h0/nope' "path not in store" <<<"$(printf 'store: .secret.yaml\ndir: %s\ninstall:\n  a.env: {env: hosts/h0/nope}\n' "$T/secrets")"
bad 6 'bad.yaml:5:3: install: key .a.env. appears twice' "duplicate target" <<<"$(printf 'store: .secret.yaml\ndir: %s\ninstall:\n  a.env: {env: hosts/h0/env}\n  a.env: {env: hosts/h1/env}\n' "$T/secrets")"
bad 6 "bad.yaml:8:5: podman\\[1\\]: secret .${P}_x. is also made by the entry at line 7" "podman name collision" <<<"$(printf 'store: .secret.yaml\ndir: %s\ninstall:\n  a.env: {env: hosts/h0/env}\n  b.env: {env: hosts/h1/env, dir: /elsewhere}\npodman:\n  - {file: hosts/h0/key, name: %s_x}\n  - {file: hosts/h1/key, name: %s_x}\n' "$T/secrets" "$P" "$P")"
bad 6 "bad.yaml:5:5: podman: hosts/h2/key: secret .${P}USER_1. is also made by conf/bad.yaml:4:5" "collision of a mapping's names (known from the store)" <<<"$(printf 'store: .secret.yaml\npodman:\n  - {env: hosts/h0/env}\n  - {env: hosts/h1/env, prefix: %s}\n  - {file: hosts/h2/key, name: %sUSER_1}\n' "$P" "$P")"
bad 6 'bad.yaml:5:3: install: z.env: hosts/h0/env is a mapping' "a later target's error stops the first" <<<"$(printf 'store: .secret.yaml\ndir: %s\ninstall:\n  a.env: {env: hosts/h0/env}\n  z.env: {file: hosts/h0/env}\n' "$T/secrets")"
stat -c "%n %i %Y %s" secrets/* secrets/.secretctl* secrets >ls-after
assert "no bad manifest changed anything" cmp -s ls-before ls-after
assert "no a.env was made" test ! -e secrets/a.env
run sc apply
assert_rc 2 "no MANIFEST: exit 2"
assert_err 'missing MANIFEST' "... says so"
run sc apply conf/nosuch.yaml
assert_rc 3 "a manifest that is not there: exit 3"

bad 6 "bad.yaml:4:3: install: a.env: owner: 'nosuchuser$P': no such user" "an owner that does not exist" <<<"$(printf 'store: .secret.yaml\ndir: %s\ninstall:\n  a.env: {env: hosts/h0/env, owner: nosuchuser%s}\n' "$T/secrets" "$P")"
bad 2 "bad.yaml:3:5: podman: hosts/h0/key: .*/has space/secretctl" "driver-bin: a path podman cannot run" <<<"$(printf 'store: .secret.yaml\npodman:\n  - {file: hosts/h0/key, name: %s_s, driver: shell, driver-bin: "/tmp/has space/secretctl"}\n' "$P")"
bad 6 "bad.yaml:3:5: podman: hosts/h0/key: ${P}_bad/x: " "a name podman refuses" <<<"$(printf 'store: .secret.yaml\npodman:\n  - {file: hosts/h0/key, name: %s_bad/x}\n' "$P")"
run sc apply $M --list --dry-run
assert_rc 2 "--list with --dry-run: exit 2"
assert_err 'list changes nothing' "... says so"

# a failure in the middle: podman refuses the create; the files before it
# are done, the secret is old, and the message says which is which
cat >bin/podman-failing <<'SH'
#!/bin/sh
[ "$2" = create ] && { echo "Error: disk full" >&2; exit 125; }
exec podman "$@"
SH
chmod +x bin/podman-failing
printf 'mid pw' | sc set conf/.secret.yaml hosts/h5/env/PASS_5 2>/dev/null
printf 'mid key' | sc set conf/.secret.yaml hosts/h6/key 2>/dev/null
old6=$(podman secret inspect ${P}_k6 --format '{{.ID}}')
: >"$SYSTEMCTL_LOG"
run sc apply $M --podman "$T/bin/podman-failing" --restart
assert_rc 8 "podman failing in the middle: exit 8"
assert_err "apply stopped at conf/apply.yaml:[0-9]+:[0-9]+: podman: hosts/h6/key; done: h5.env; not done: hosts/h6/key" "... names the targets done and not done"
assert "the file before it is new" grep -qx 'PASS_5=mid pw' secrets/h5.env
# podman 4.3 has no `secret create --replace` (4.7): a changed secret is
# removed, then created, so a create that fails leaves it missing (never a
# partial value); the next run creates it
id6=$(podman secret inspect ${P}_k6 --format '{{.ID}}' 2>/dev/null)
assert "the secret is old or missing, never new ($id6)" test "$id6" = "$old6" -o -z "$id6"
assert "no restart after a failure" test ! -s "$SYSTEMCTL_LOG"
run sc apply $M
assert_rc 0 "the next run finishes it"
assert "...the secret is new" test "$(podman secret inspect ${P}_k6 --format '{{.ID}}')" != "$old6"

# systemctl failing: the change is done, the failure reported
cat >bin/systemctl <<'SH'
#!/bin/sh
echo "Failed to connect to bus" >&2; exit 1
SH
printf 'v3' | sc set conf/.secret.yaml hosts/h0/key 2>/dev/null
run sc apply $M --restart
assert_rc 8 "systemctl failing: exit 8"
assert_err 'systemctl try-restart: exit 1: Failed to connect to bus' "... with its message"
# ---- driver: shell: podman keeps a reference, secretctl is the driver ----
STATE=/var/lib/secretctl/podman
cat >conf/shell.yaml <<EOF
store: .secret.yaml
name: shell$P
podman:
  - {file: hosts/h3/key, name: ${P}_sh, driver: shell, label: {app: x}, restart: [sh.service]}
  - {env: hosts/h3/env, prefix: ${P}_she_, driver: shell}
EOF
S=conf/shell.yaml
id_of() { podman secret inspect --format '{{.ID}}' -- "$1" 2>/dev/null; }
run sc apply $S --dry-run
assert_rc 9 "shell: dry-run before the first run: exit 9"
assert_out "^podman ${P}_sh: would create \(no such secret\)$" "shell: dry-run says would create"
run sc apply $S -v
assert_rc 0 "shell: the first run"
assert_err "^secretctl: podman ${P}_sh: created$" "shell: -v says created"
sid=$(id_of ${P}_sh)
assert "shell: podman records the shell driver" test "$(podman secret inspect --format '{{.Spec.Driver.Name}}' ${P}_sh)" = shell
assert "shell: the driver's entry is the reference (store, form, PATH, \$SECRETCTL_IDENTITY)" \
	test "$(cat "$STATE/$sid" 2>/dev/null)" = "secretctl-ref/1 $T/conf/.secret.yaml f hosts/h3/key $T/id.txt"
assert "shell: the manifest's label" test "$(podman secret inspect --format '{{index .Spec.Labels "secretctl.manifest"}}' ${P}_sh)" = "shell$P"
assert "shell: the entry's label" test "$(podman secret inspect --format '{{index .Spec.Labels "app"}}' ${P}_sh)" = x
assert "shell: an env mapping makes one secret per key" podman secret inspect ${P}_she_PASS_3
run sc apply $S -v
assert "shell: the same reference again: nothing made" sh -c "! grep -q '${P}_sh' '$T/err'"
assert "shell: ... same ID" test "$(id_of ${P}_sh)" = "$sid"
run sc apply $S --dry-run
assert_rc 0 "shell: dry-run after: exit 0"
assert_out "^podman ${P}_sh: unchanged \(reference and labels equal\)$" "shell: dry-run says unchanged (reference and labels equal)"
# another identity list: another reference, replaced (rm, then create)
cp id.txt id2.txt
run sc apply $S -i id2.txt --dry-run
assert_rc 9 "shell: -i another identity: dry-run exit 9"
assert_out "^podman ${P}_sh: would replace \(reference label differs\)$" "shell: ... would replace (reference label differs)"
run sc apply $S -i id2.txt
assert_rc 0 "shell: -i another identity"
sid2=$(id_of ${P}_sh)
assert "shell: ... replaced (a new ID) recording -i" test "$sid2" != "$sid" -a "$(cat "$STATE/$sid2" 2>/dev/null)" = "secretctl-ref/1 $T/conf/.secret.yaml f hosts/h3/key $T/id2.txt"
assert "shell: ... the old ID's entry is gone" test ! -e "$STATE/$sid"
sc apply $S 2>/dev/null
sid=$(id_of ${P}_sh)
# the driver's entry lost: made again
[ -n "$sid" ] && mv "$STATE/$sid" entry.saved
run sc apply $S --dry-run
assert_out "^podman ${P}_sh: would replace \(the driver has lost its reference\)$" "shell: a lost driver entry: would replace"
run sc apply $S
assert "shell: ... and the run makes it again" cmp -s "$STATE/$(id_of ${P}_sh)" entry.saved
run sc apply $S --passphrase-file /dev/null
assert_rc 2 "shell: --passphrase-file: exit 2"
assert_err "^secretctl: apply: driver: shell records identity files, not a passphrase" "shell: ... says so"
run sc apply $S $(for i in 1 2 3 4 5 6 7 8 9; do printf -- '-i id.txt '; done)
assert_rc 2 "shell: more -i than a reference records: exit 2"
assert_err "^secretctl: apply: driver: shell records at most 8 identities \(-i\)$" "shell: ... says so"
# the driver's lookup is probed once per run, not per entry: a run with one
# shell entry and one with three open the store equally often
if command -v strace >/dev/null; then
	opens() { strace -e trace=openat -o "$T/st" "$SECRETCTL_REAL" apply "$1" --dry-run >/dev/null 2>&1; grep -c 'secret\.yaml"' "$T/st"; }
	printf 'store: .secret.yaml\nname: one%s\npodman:\n  - {file: hosts/h1/key, name: %s_p1, driver: shell}\n' "$P" "$P" >conf/one.yaml
	{ cat conf/one.yaml; printf '  - {file: hosts/h2/key, name: %s_p2, driver: shell}\n  - {env: hosts/h2/env, prefix: %s_p3, driver: shell}\n' "$P" "$P"; } >conf/three.yaml
	o1=$(opens conf/one.yaml); o3=$(opens conf/three.yaml)
	assert "shell: the probe runs once per apply ($o1 and $o3 opens of the store)" test "$o1" = "$o3" -a "$o1" -ge 2
else
	skip "shell: no strace: the probe count"
fi
# a container sees the value; after set, a new container sees the new one
ROOT=$T/rootfs
mkdir -p "$ROOT"/proc "$ROOT"/dev "$ROOT"/sys "$ROOT"/etc "$ROOT"/run/secrets
ctr() {
	podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --secret "$1" --rootfs "$ROOT" /readsecret "f:/run/secrets/$1"
}
if ! command -v runc >/dev/null || ! cc -static -O2 -o "$ROOT/readsecret" "$TOP/tests/tools/static/readsecret.c" 2>/dev/null; then
	skip "shell: no runc or static cc: the container checks"
else
	hexof() { printf %s "$1" | od -An -v -tx1 | tr -d ' \n'; }
	run ctr ${P}_sh
	assert_out "^f:/run/secrets/${P}_sh=$(hexof key-3)$" "shell: a container sees the value"
	printf 'rotated' | sc set conf/.secret.yaml hosts/h3/key 2>/dev/null
	run ctr ${P}_sh
	assert_out "^f:/run/secrets/${P}_sh=$(hexof rotated)$" "shell: after set, a new container sees the new value (no apply)"
	run sc apply $S --dry-run
	assert_rc 0 "shell: ... and apply has nothing to do"
fi
# prune: the file entry leaves the manifest; the secret and its driver entry go
sid=$(id_of ${P}_sh)
grep -v "${P}_sh," $S >conf/s2.yaml && mv conf/s2.yaml $S
run sc apply $S --prune --dry-run
assert_out "^podman ${P}_sh: would remove$" "shell: prune dry-run names it"
run sc apply $S --prune
assert_rc 0 "shell: prune"
assert "shell: prune removed the secret" sh -c "! podman secret inspect ${P}_sh >/dev/null 2>&1"
assert "shell: ... and its driver entry" test ! -e "$STATE/$sid"
assert "shell: the other entry's secrets stay" podman secret inspect ${P}_she_PASS_3

# the JSON Schema for editors: its keys are the parser's, and it accepts the
# example and this test's manifests (and refuses a bad one)
if python3 -c 'import yaml, jsonschema' 2>/dev/null; then
	cat >schema.py <<'PY'
import json, re, sys, yaml, jsonschema
top = sys.argv[1]
s = json.load(open(top + "/docs/apply.schema.json"))
src = open(top + "/src/manifest.c").read()
def keys(n):
    m = re.search(r"static const char \*const " + n + r"\[\] = \{(.*?)NULL", src, re.S)
    return sorted(re.findall(r'"([a-z-]+)"', m.group(1)))
assert keys("top_keys") == sorted(s["properties"]), "top-level keys"
assert keys("install_keys") == sorted(s["$defs"]["install"]["properties"]), "install keys"
assert keys("podman_keys") == sorted(s["$defs"]["podman"]["properties"]), "podman keys"
for f in sys.argv[2:]:
    jsonschema.validate(yaml.safe_load(open(f)), s)
try:
    jsonschema.validate({"store": "s", "install": {"a": {"env": "x", "fromat": "podman"}}}, s)
    sys.exit("a bad manifest passed")
except jsonschema.ValidationError:
    pass
PY
	run python3 schema.py "$TOP" "$TOP/examples/apply/host.apply.yaml" $M
	assert_rc 0 "docs/apply.schema.json: the parser's keys; accepts the example and the test manifest, refuses a bad key"
	[ "$RC" = 0 ] || diag <"$T/err"
else
	skip "python3 yaml or jsonschema missing: the schema is not checked"
fi
echo "1..$TESTNUM"
