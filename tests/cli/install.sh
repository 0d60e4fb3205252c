#!/bin/bash
# install: exact owner, group, mode and bytes for both forms (temp --dir,
# and once the real /etc/secrets/<uid> through --mkdir), created /
# unchanged (same inode and mtime) / replaced, a change at any byte (first,
# middle, last, one more, one less) never taken for unchanged, --dry-run
# (what would change and why, exit 9 or 0, nothing changed), and every
# refusal.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "install tests need root (chown, /etc/secrets)"; exit 0; }

cd "$T"
sc keygen -o id.txt 2>/dev/null
export SECRETCTL_IDENTITY="$T/id.txt"
cat > plain.yaml <<'YAML'
app:
  env:
    DB_PASSWORD: hunter2
    GREETING: "hello world"
  tls.key: |
    -----BEGIN KEY-----
    abc
  bin: !!binary AAEC/w==
  other: second
YAML
sc encrypt plain.yaml -r "$(sc keygen -y id.txt)" -o s.yaml
mkdir -m 700 d
# st FILE: "mode uid:gid size" exactly
st() { stat -c '%a %u:%g %s' "$1"; }
same() { # DESC WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf 'want: %s\ngot:  %s\n' "$2" "$3" | diag; fi
}

# ---- both forms, exact ----
printf 'DB_PASSWORD=hunter2\nGREETING="hello world"\n' > want.env
run sc install s.yaml -e app/env --dir d
assert_rc 0 "env form installs"
assert "and says nothing" [ ! -s "$T/err" -a ! -s "$T/out" ]
same "env file is 0400 root:root" "400 0:0 43" "$(st d/env)"
assert "env file bytes are the systemd dialect" cmp -s d/env want.env
run sc install s.yaml -f app/bin --dir d
same "file form (binary) is 0400 root:root" "400 0:0 4" "$(st d/bin)"
printf '\000\001\002\377' > want.bin
assert "file form bytes are exact (NUL, 0xff)" cmp -s d/bin want.bin
run sc install s.yaml -f app/tls.key --dir d key.pem --owner nobody --group nogroup --mode 0440
assert_rc 0 "NAME, --owner, --group and --mode by name"
same "owner, group and mode as asked" "440 65534:65534 24" "$(st d/key.pem)"
run sc install s.yaml -e app/env --dir d podman.env --format podman --owner 65534 --group 0
same "numeric --owner" "400 65534:0 41" "$(st d/podman.env)"
printf 'DB_PASSWORD=hunter2\nGREETING=hello world\n' > want.penv
assert "--format podman is ready for EnvironmentFile=/--env-file" cmp -s d/podman.env want.penv

# ---- created / unchanged / replaced ----
run sc install s.yaml -f app/env/DB_PASSWORD --dir d pw -v
assert_err "^secretctl: d/pw: created$" "-v says created"
before=$(stat -c '%i %y %z' d/pw)
sleep 0.02
run sc install s.yaml -f app/env/DB_PASSWORD --dir d pw -v
assert_err "^secretctl: d/pw: unchanged$" "-v says unchanged"
same "unchanged keeps inode, mtime and ctime" "$before" "$(stat -c '%i %y %z' d/pw)"
run sc install s.yaml -f app/other --dir d pw -v
assert_err "^secretctl: d/pw: replaced$" "-v says replaced"
assert "replaced: a new inode" [ "$(stat -c %i d/pw)" != "${before%% *}" ]
printf second > want.pw
assert "replaced: the new bytes" cmp -s d/pw want.pw
chmod 0644 d/pw
run sc install s.yaml -f app/other --dir d pw -v
assert_err "^secretctl: d/pw: replaced$" "a wrong mode is replaced even with the same bytes"
same "and the mode is 0400 again" "400 0:0 6" "$(st d/pw)"
same "nothing but the installed files in the directory" "bin env key.pem podman.env pw" "$(ls -A d | tr '\n' ' ' | sed 's/ $//')"

# ---- unchanged means every byte the same: a change at the first, a
# middle and the last byte, one byte more, one less (a prefix), each for
# the file form and the env form, is written ----
cat > exact.yaml <<'YAML'
f:
  base: password1
  first: Xassword1
  middle: passXord1
  last: password2
  longer: password12
  prefix: password
e:
  base: {PW: password1}
  first: {PW: Xassword1}
  middle: {PW: passXord1}
  last: {PW: password2}
  longer: {PW: password12}
  prefix: {PW: password}
YAML
sc encrypt exact.yaml -r "$(sc keygen -y id.txt)" -o exact.s.yaml
mkdir -m 700 ex
for form in f e; do
	for v in first middle last longer prefix; do
		sc install exact.s.yaml -$form $form/base --dir ex x
		run sc install exact.s.yaml -$form $form/$v --dir ex x -v
		sc extract exact.s.yaml -$form $form/$v > ex.want
		if [ "$RC" = 0 ] && grep -qx "secretctl: ex/x: replaced" "$T/err" && cmp -s ex/x ex.want; then
			ok "-$form: base, then $v ($(tr '\n' ' ' < ex.want)): replaced, with the new bytes"
		else
			not_ok "-$form: base, then $v: not written"; { cat "$T/err"; od -c ex/x; } | diag
		fi
	done
done

# ---- --dry-run: what would change, and why, on stdout; nothing changes;
# exit 9 when something would, 0 when nothing would ----
# dry ARGS...: install --dry-run into dr; $T/out, $T/err, $RC
dry() { run sc install s.yaml --dir dr --dry-run "$@"; }
# out_is DESC WANT: stdout is exactly WANT
out_is() { same "$1" "$2" "$(cat "$T/out")"; }
dry -f app/other x
assert_rc 7 "--dry-run into a missing directory without --mkdir: exit 7, as a run"
assert_err "directory 'dr' does not exist" "the same message"
dry -f app/other x --mkdir
assert_rc 9 "--dry-run --mkdir: exit 9 (something would change)"
out_is "it says the directory and the file would be created" "dr: would create
dr/x: would create"
assert "nothing was created" [ ! -e dr ]
assert "and nothing said on stderr" [ ! -s "$T/err" ]
sc install s.yaml --dir dr -f app/other x --mkdir
ino=$(stat -c '%i %y %z' dr/x)
dry -f app/other x
assert_rc 0 "--dry-run of an installed value: exit 0"
out_is "says unchanged" "dr/x: unchanged"
dry -f app/bin x
assert_rc 9 "other bytes: exit 9"
out_is "would replace (content)" "dr/x: would replace (content)"
dry -f app/other x --mode 0440
out_is "another --mode: (mode)" "dr/x: would replace (mode)"
dry -f app/other x --owner nobody --group nogroup
out_is "another owner and group: (owner, group)" "dr/x: would replace (owner, group)"
dry -f app/bin x --owner nobody --mode 0600
out_is "all at once, in a fixed order" "dr/x: would replace (content, owner, mode)"
dry -f app/other y
out_is "another NAME: would create" "dr/y: would create"
dry -e app/env x
out_is "env form: (content)" "dr/x: would replace (content)"
same "none of these changed the file" "$ino" "$(stat -c '%i %y %z' dr/x)"
same "or added one" "x" "$(ls -A dr)"
ln dr/x dr/hard
dry -f app/other x
out_is "a second link: (links)" "dr/x: would replace (links)"
rm dr/hard
ln -s /etc/hostname dr/link
dry -f app/other link
assert_rc 7 "a symlink at NAME: exit 7, as a run"
rm dr/link
run sc install s.yaml --dir dr -f app/nope x --dry-run
assert_rc 3 "a missing PATH: exit 3, as a run"
# --mkdir alone
run sc install --mkdir --dir dr2 --dry-run
assert_rc 9 "install --mkdir --dry-run: exit 9"
out_is "says the directory would be created" "dr2: would create"
assert "and does not create it" [ ! -e dr2 ]
chmod 0700 dr; chmod g-s dr
run sc install --mkdir --dir dr --dry-run
assert_rc 7 "an existing directory not as --mkdir makes it (0700): exit 7, as a run"
chmod 2750 dr
run sc install --mkdir --dir dr --dry-run
assert_rc 0 "one as --mkdir makes it: exit 0"
out_is "unchanged" "dr: unchanged"

# ---- refusals: exit 7, one line naming the problem, nothing written ----
refuse() { # DESC REGEX ARGS...
	local desc=$1 re=$2; shift 2
	run sc install s.yaml "$@"
	assert_rc 7 "$desc: exit 7"
	assert_err "$re" "$desc: the message says so"
	assert_one_line "$desc: one line"
}
ln -s /etc/hostname d/link
refuse "a symlink at NAME" "'d/link' is a symlink; refusing" -f app/other --dir d link
same "the symlink's target is untouched" "$(cat /etc/hostname)" "$(cat d/link)"
ln -s /nonexistent d/dangling
refuse "a dangling symlink at NAME" "'d/dangling' is a symlink" -f app/other --dir d dangling
assert "and nothing was created behind it" [ ! -e /nonexistent ]
ln -s d dlink
refuse "a symlink as the directory" "directory 'dlink' is a symlink" -f app/other --dir dlink x
refuse "NAME with /" "contains '/'" -f app/other --dir d sub/x
refuse "NAME ../x" "contains '/'" -f app/other --dir d ../x
refuse "NAME .." "'\.\.' is not a file name" -f app/other --dir d ..
mkdir d/adir
refuse "a directory at NAME" "exists and is not a regular file" -f app/other --dir d adir
mkdir -m 770 gw; chmod 770 gw
refuse "a group-writable directory" "directory 'gw' is writable by its group \(mode 0770\)" -f app/other --dir gw x
mkdir ow; chmod 757 ow
refuse "an others-writable directory" "writable by others \(mode 0757\)" -f app/other --dir ow x
mkdir sticky; chmod 1777 sticky; chown nobody sticky
refuse "a sticky directory that is not ours" "writable by group and others \(mode 1777\)" -f app/other --dir sticky x
chown root sticky
run sc install s.yaml -f app/other --dir sticky x
assert_rc 0 "a sticky directory of ours is fine (as /tmp for root)"
refuse "a missing directory without --mkdir" "directory 'missing' does not exist \(--mkdir creates it\)" -f app/other --dir missing
assert "nothing was written into refused directories" [ -z "$(ls -A gw; ls -A ow)" ]
run sc install s.yaml -f app/nope --dir d
assert_rc 3 "a missing PATH: exit 3"
assert_err "did you mean app/bin" "with a hint"
run sc install s.yaml -f app/env --dir d
assert_rc 6 "-f on a mapping: exit 6"
run sc install s.yaml -f app/other --dir d --mode 4755
assert_rc 2 "--mode with other than permission bits: exit 2"
run sc install s.yaml -f app/other --dir d --owner no-such-user-x
assert_rc 6 "an unknown --owner: exit 6"
run sc install s.yaml -f app/other --dir d --format podman
assert_rc 2 "--format without -e: exit 2"
readers=(); for i in $(seq 26); do readers+=(--reader "$((1000 + i))"); done
run sc install s.yaml -f app/other --dir d --sudo "${readers[@]}"
assert_rc 2 "--sudo with 26 --reader: exit 2 (install-write takes 25; none is dropped silently)"
assert_err "^secretctl: install: --sudo takes at most 25 --reader options" "... and says so"
assert "... and runs nothing: no file" test ! -e d/other

# ---- --mkdir into a temp parent: uid:root 2750 ----
run sc install s.yaml -f app/other --dir "$T/new" --mkdir --owner nobody
assert_rc 0 "--mkdir creates the directory"
same "as owner:root 2750" "2750 65534:0" "$(stat -c '%a %u:%g' new)"
same "and the file in it" "400 65534:0 6" "$(st new/other)"

# ---- once for real: /etc/secrets/<uid> ----
U=$(id -u nobody)
REAL=/etc/secrets/$U
had_root=0; [ -d /etc/secrets ] && had_root=1
if [ -e "$REAL" ]; then
	skip "$REAL exists already; not touching it"
else
	cleanup_real() { rm -rf "$REAL"; [ $had_root = 1 ] || rmdir /etc/secrets 2>/dev/null; }
	trap 'cleanup_real; rm -rf "$T"' EXIT
	run env SUDO_UID="$U" "$SECRETCTL" install --mkdir --dry-run
	assert_rc 9 "install --mkdir --dry-run for /etc/secrets/\$SUDO_UID: exit 9"
	if [ $had_root = 1 ]; then want="$REAL: would create"
	else want="/etc/secrets: would create
$REAL: would create"; fi
	same "it says which directories would be created" "$want" "$(cat "$T/out")"
	assert "and creates none" [ ! -e "$REAL" ]
	run env SUDO_UID="$U" "$SECRETCTL" install s.yaml -e app/env app.env --mkdir -v
	assert_rc 0 "under sudo (\$SUDO_UID), --mkdir installs into /etc/secrets/\$SUDO_UID"
	assert_err "^secretctl: $REAL/app.env: created$" "at the default place"
	same "/etc/secrets/<uid> is <uid>:root 2750" "2750 $U:0" "$(stat -c '%a %u:%g' "$REAL")"
	same "/etc/secrets/<uid>/app.env is <uid>:root 0400" "400 $U:0 43" "$(st "$REAL/app.env")"
	assert "with the exact bytes" cmp -s "$REAL/app.env" want.env
	run env SUDO_UID="$U" "$SECRETCTL" install s.yaml -f app/tls.key
	same "file form there too" "400 $U:0 24" "$(st "$REAL/tls.key")"
	[ $had_root = 1 ] || same "/etc/secrets itself is root:root 0755" "755 0:0" "$(stat -c '%a %u:%g' /etc/secrets)"
	cleanup_real
fi

# --- with $SECRETCTL_STORE set, one argument that names no file is NAME
#     (README: `secretctl install -e app/env app.env`), as for ls
mkdir -p "$T/envstore"
run env SECRETCTL_STORE="$T/s.yaml" "$SECRETCTL" install -e app/env envname.env --dir "$T/envstore" -i "$T/id.txt"
assert "\$SECRETCTL_STORE and one argument naming no file: the argument is NAME ($RC)" \
	bash -c "[ $RC = 0 ] && [ -f '$T/envstore/envname.env' ]"
