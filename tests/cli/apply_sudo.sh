#!/bin/bash
# apply --sudo (and the manifest's sudo: true) end to end, as install --sudo:
# a real unprivileged user, a root-owned /etc/secrets/<uid>; without sudo
# exit 7, without a rule exit 8 naming the sudoers line, nothing written;
# with the rule (a drop-in visudo accepts) the files and the state file
# arrive <uid>:root through sudo -n secretctl install-write; unchanged is
# decided as the caller (sudo not run, a recording sudo first on PATH),
# --dry-run never runs sudo; dir:, owner: elsewhere and --prune in such a
# directory are refused before anything is written.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "apply --sudo tests need root (useradd, sudoers)"; exit 0; }
need sudo runuser useradd userdel visudo

USR=sctl-asudo-$$
DROPIN=/etc/sudoers.d/secretctl_atest_$$
had_root=0; [ -d /etc/secrets ] && had_root=1
cleanup() {
	rm -f "$DROPIN" "$DROPIN.new"
	[ -n "${U:-}" ] && rm -rf "/etc/secrets/$U"
	[ $had_root = 1 ] || rmdir /etc/secrets 2>/dev/null
	id "$USR" >/dev/null 2>&1 && userdel -r "$USR" 2>/dev/null
	other_user_bin_done
	rm -rf "$T"
}
trap cleanup EXIT
other_user_bin || { not_ok "cannot copy secretctl where $USR may run it"; exit 1; }
useradd -m "$USR" || { not_ok "useradd $USR"; exit 1; }
U=$(id -u "$USR")
H=$(getent passwd "$USR" | cut -d: -f6)
DIR=/etc/secrets/$U
if [ -e "$DIR" ]; then skip "$DIR exists already"; exit 0; fi

cd "$T"
sc keygen -o "$H/id.txt" 2>/dev/null
printf 'app:\n  env:\n    TOKEN: t0k3n\n  key: key-bytes\n' > plain.yaml
sc encrypt plain.yaml -r "$(sc keygen -y "$H/id.txt")" -o "$H/s.yaml"
cat > "$H/m.yaml" <<EOF
store: s.yaml
name: asudo$$
install:
  key: {file: app/key}
  app.env: {env: app/env, mode: "0440"}
EOF
chown "$USR:" "$H/id.txt" "$H/s.yaml" "$H/m.yaml"
mkdir "$UBIN/rec" && chmod 755 "$UBIN/rec"
SUDO_LOG=$UBIN/rec/log
: > "$SUDO_LOG"; chmod 666 "$SUDO_LOG"
printf '#!/bin/sh\necho "$*" >> %s\nexec %s "$@"\n' "$SUDO_LOG" "$(command -v sudo)" > "$UBIN/rec/sudo"
chmod 755 "$UBIN/rec/sudo"
sudo_runs() { wc -l < "$SUDO_LOG"; }
as_user() {
	(cd "$H" && runuser -u "$USR" -- env -i HOME="$H" PATH="$UBIN/rec:/usr/sbin:/usr/bin:/sbin:/bin" \
		SECRETCTL_IDENTITY="$H/id.txt" VG_TAG="$VG_TAG" "$@")
}
mkdir -p /etc/secrets
install -d -o root -g root -m 0755 "$DIR"
st() { stat -c '%a %u:%g' "$1"; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf 'want: %s\ngot:  %s\n' "$2" "$3" | diag; fi; }

run as_user "$USECRETCTL" apply m.yaml
assert_rc 7 "without --sudo, a root-owned directory: exit 7"
assert_err "^secretctl: m.yaml:4:3: install: key: cannot write directory '$DIR': Permission denied \(run apply as its owner or as root, or give --sudo\)$" "the message names the entry and suggests --sudo"
run as_user "$USECRETCTL" apply m.yaml --sudo
assert_rc 8 "--sudo when sudo -n needs a password: exit 8"
LINE="$USR ALL=(root) NOPASSWD: $USECRETCTL_REAL install-write --uid $U *"
if grep -qF "this sudoers line would allow it: $LINE" "$T/err"; then ok "the message gives the sudoers line"
else not_ok "the message gives the sudoers line"; { echo "want: $LINE"; cat "$T/err"; } | diag; fi
assert "nothing was written" [ -z "$(ls -A "$DIR")" ]

echo "$LINE" > "$DROPIN.new"
chmod 0440 "$DROPIN.new"
if ! visudo -cqf "$DROPIN.new" >/dev/null; then not_ok "visudo accepts the suggested line"; exit 1; fi
ok "visudo accepts the suggested line"
mv "$DROPIN.new" "$DROPIN"
n=$(sudo_runs)
run as_user "$USECRETCTL" apply m.yaml --sudo --dry-run
assert_rc 9 "--dry-run --sudo: exit 9"
same "--dry-run never ran sudo" "$n" "$(sudo_runs)"
run as_user "$USECRETCTL" apply m.yaml --sudo -v
assert_rc 0 "with the rule, apply --sudo works"
assert_err "^secretctl: $DIR/key: created$" "install-write's -v comes back"
same "key is <uid>:root 0400" "400 $U:0" "$(st "$DIR/key")"
same "app.env is <uid>:root 0440" "440 $U:0" "$(st "$DIR/app.env")"
assert "with the bytes" [ "$(cat "$DIR/key")" = key-bytes -a "$(cat "$DIR/app.env")" = TOKEN=t0k3n ]
same "the state file too, <uid>:root 0400" "400 $U:0" "$(st "$DIR/.secretctl-apply.asudo$$")"
assert "it lists both" [ "$(grep -v '^#' "$DIR/.secretctl-apply.asudo$$" | sort | tr '\n' ' ')" = "app.env key " ]
same "the directory is still root's" "755 0:0" "$(st "$DIR")"
n=$(sudo_runs)
ino=$(stat -c '%i %y' "$DIR/key" "$DIR/app.env")
run as_user "$USECRETCTL" apply m.yaml --sudo
assert_rc 0 "again: exit 0"
same "unchanged is decided as the caller: sudo did not run" "$n" "$(sudo_runs)"
same "inodes and mtimes kept" "$ino" "$(stat -c '%i %y' "$DIR/key" "$DIR/app.env")"
# sudo: true in the manifest instead of --sudo; one value changed
printf 'new-key' | as_user "$USECRETCTL" set s.yaml app/key 2>/dev/null
run as_user "$USECRETCTL" apply m.yaml --dry-run
assert_rc 9 "after set, --dry-run: exit 9"
assert_out "^install $DIR/key: would replace$" "... would replace key"
same "... without sudo" "$n" "$(sudo_runs)"
sed -i '1i sudo: true' "$H/m.yaml"
run as_user "$USECRETCTL" apply m.yaml
assert_rc 0 "sudo: true at the top: written through sudo"
assert "the new bytes" [ "$(cat "$DIR/key")" = new-key ]
same "one sudo for the one changed file" "$((n + 1))" "$(sudo_runs)"
sed -i '1d' "$H/m.yaml"
sed -i 's/{file: app\/key}/{file: app\/key, mode: "0440", sudo: true}/; s/{env: app\/env, mode: "0440"}/{env: app\/env, mode: "0440", sudo: true}/' "$H/m.yaml"
run as_user "$USECRETCTL" apply m.yaml
assert_rc 0 "sudo: true per entry"
same "the new mode" "440 $U:0" "$(st "$DIR/key")"

# refused before anything is written
ino=$(stat -c '%i %y' "$DIR/key" "$DIR/app.env")
n=$(sudo_runs)
printf 'store: s.yaml\ninstall:\n  key: {file: app/key, owner: root}\n' > "$H/bad.yaml"; chown "$USR:" "$H/bad.yaml"
run as_user "$USECRETCTL" apply bad.yaml --sudo
assert_rc 2 "--sudo with owner: another user: exit 2"
assert_err "^secretctl: bad.yaml:3:3: install: key: sudo writes only into $DIR, owned $U:0; dir:, owner: and group: cannot change that$" "... says why"
printf 'store: s.yaml\nname: asudo%s\ninstall:\n  key: {file: app/key, mode: "0440"}\n' "$$" > "$H/bad.yaml"
run as_user "$USECRETCTL" apply bad.yaml --sudo --prune
assert_rc 7 "--prune of a file only sudo could remove: exit 7"
assert_err "^secretctl: --prune: cannot remove '$DIR/app.env': only sudo could, and install-write does not remove \(remove it as root\)$" "... says so"
same "nothing ran sudo" "$n" "$(sudo_runs)"
same "nothing changed" "$ino" "$(stat -c '%i %y' "$DIR/key" "$DIR/app.env")"
echo "1..$TESTNUM"
