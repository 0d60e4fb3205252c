#!/bin/bash
# install --sudo end to end: a real unprivileged user, a root-owned
# /etc/secrets/<uid>, sudo -n without a rule (exit 8 naming the sudoers
# line), then that very line; the file arrives <uid>:root 0400; sudo runs
# only when something changes (a recording sudo first on the user's PATH),
# never for --dry-run. The sudoers lines of the man page and README.md
# pass visudo -c -s, and the man page's work through real sudo, the value
# kept out of sudo's I/O log. Through a rule for install-write, the abuse
# attempts fail: another uid, outside the directory, a symlink planted by
# the user. Last, README's one-time root step, sudo secretctl install
# --mkdir, then the user's install without sudo.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "install --sudo tests need root (useradd, sudoers)"; exit 0; }
need sudo runuser useradd userdel visudo

USR=sctl-sudo-$$
DROPIN=/etc/sudoers.d/secretctl_test_$$
had_root=0; [ -d /etc/secrets ] && had_root=1
VICTIM=/etc/sctl-victim-$$
cleanup() {
	rm -f "$DROPIN" "$VICTIM" "/etc/sctl-created-$$" "/etc/sctl-evil-$$"
	[ -n "${U:-}" ] && rm -rf "/etc/secrets/$U"
	rm -rf "/etc/secrets/sctl-evil-$$"
	[ $had_root = 1 ] || rmdir /etc/secrets 2>/dev/null
	id "$USR" >/dev/null 2>&1 && userdel -r "$USR" 2>/dev/null
	other_user_bin_done
	rm -rf "$T"
}
trap cleanup EXIT
# the user runs a copy: it may not reach the build tree
other_user_bin || { not_ok "cannot copy secretctl where $USR may run it"; exit 1; }
useradd -m "$USR" || { not_ok "useradd $USR"; exit 1; }
U=$(id -u "$USR")
H=$(getent passwd "$USR" | cut -d: -f6)
DIR=/etc/secrets/$U
if [ -e "$DIR" ]; then skip "$DIR exists already"; exit 0; fi

cd "$T"
sc keygen -o "$H/id.txt" 2>/dev/null
cat > plain.yaml <<'YAML'
app:
  env:
    TOKEN: t0k3n
  key: key-bytes
  key2: other-bytes
YAML
sc encrypt plain.yaml -r "$(sc keygen -y "$H/id.txt")" -o "$H/s.yaml"
chown "$USR:" "$H/id.txt" "$H/s.yaml"
# the user's PATH finds this sudo first: it records each run in $SUDO_LOG
# (one line, its arguments) and runs the real one
mkdir "$UBIN/rec" && chmod 755 "$UBIN/rec"
SUDO_LOG=$UBIN/rec/log
: > "$SUDO_LOG"; chmod 666 "$SUDO_LOG"
printf '#!/bin/sh\necho "$*" >> %s\nexec %s "$@"\n' "$SUDO_LOG" "$(command -v sudo)" > "$UBIN/rec/sudo"
chmod 755 "$UBIN/rec/sudo"
sudo_runs() { wc -l < "$SUDO_LOG"; }
# as_user CMD...: the command as $USR, in its home, with a clean environment
as_user() {
	(cd "$H" && runuser -u "$USR" -- env -i HOME="$H" PATH="$UBIN/rec:/usr/sbin:/usr/bin:/sbin:/bin" \
		SECRETCTL_IDENTITY="$H/id.txt" VG_TAG="$VG_TAG" "$@")
}
mkdir -p /etc/secrets
install -d -o root -g root -m 0755 "$DIR"
st() { stat -c '%a %u:%g %s' "$1"; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf 'want: %s\ngot:  %s\n' "$2" "$3" | diag; fi; }

# ---- no rule: exit 8, and the line that would allow it ----
run as_user "$USECRETCTL" install s.yaml -f app/key
assert_rc 7 "without --sudo, a root-owned directory: exit 7"
assert_err "cannot write directory '$DIR': Permission denied \(--sudo" "the message suggests --sudo"
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo
assert_rc 8 "--sudo when sudo -n needs a password: exit 8"
# secretctl names its own path (/proc/self/exe): the binary, also under
# valgrind, so the rule and its checks use $USECRETCTL_REAL; the rule for
# install-write alone below names $USECRETCTL, so under valgrind sudo runs
# install-write under memcheck too
LINE="$USR ALL=(root) NOPASSWD: $USECRETCTL_REAL install-write --uid $U *"
if grep -qF "this sudoers line would allow it: $LINE" "$T/err"; then ok "the message gives the sudoers line"
else not_ok "the message gives the sudoers line"; { echo "want: $LINE"; cat "$T/err"; } | diag; fi
assert_err "\(sudo: a password is required\)" "and says what sudo said"
assert_err "with 'Defaults!$USECRETCTL_REAL !log_input' beside it" "and the Defaults line that keeps the value out of sudo's I/O log"
assert_one_line "in one line"
assert "nothing was written" [ -z "$(ls -A "$DIR")" ]

# ---- that very line ----
echo "$LINE" > "$DROPIN.new"
chmod 0440 "$DROPIN.new"
if ! visudo -cqf "$DROPIN.new" >/dev/null; then not_ok "visudo accepts the suggested line"; rm -f "$DROPIN.new"; exit 1; fi
ok "visudo accepts the suggested line"
mv "$DROPIN.new" "$DROPIN"
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo -v
assert_rc 0 "with the rule, install --sudo works"
assert_err "^secretctl: $DIR/key: created$" "-v comes back through sudo"
same "the file is <uid>:root 0400" "400 $U:0 9" "$(st "$DIR/key")"
assert "with the exact bytes" [ "$(cat "$DIR/key")" = key-bytes ]
same "the directory is still root's" "755 0:0" "$(stat -c '%a %u:%g' "$DIR")"
ino=$(stat -c '%i %y' "$DIR/key")
# unchanged is decided as the caller: no sudo (no log entry at every start)
n=$(sudo_runs)
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo -v
assert_rc 0 "unchanged with --sudo: exit 0"
assert_err "^secretctl: $DIR/key: unchanged$" "-v says unchanged"
same "and sudo did not run" "$n" "$(sudo_runs)"
same "unchanged keeps inode and mtime" "$ino" "$(stat -c '%i %y' "$DIR/key")"
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo --mode 0440 -v
assert_err "^secretctl: $DIR/key: replaced$" "the same bytes with another mode: replaced"
same "through sudo" "$((n + 1))" "$(sudo_runs)"
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo -v
assert_err "^secretctl: $DIR/key: replaced$" "and back to 0400: replaced"
same "through sudo" "$((n + 2))" "$(sudo_runs)"
ino=$(stat -c '%i %y' "$DIR/key")
# a template goes the same way: rendered as the caller, written by sudo
printf 'key = {{ app/key | json }}\n' > "$H/key.tmpl" && chmod 644 "$H/key.tmpl"
run as_user "$USECRETCTL" install s.yaml --template key.tmpl key.conf --sudo -v
assert_err "^secretctl: $DIR/key.conf: created$" "install --template --sudo: created through sudo"
same "through sudo" "$((n + 3))" "$(sudo_runs)"
same "the rendered text, $U:root 0400" "key = \"key-bytes\" 400 $U:0" "$(cat "$DIR/key.conf") $(stat -c '%a %u:%g' "$DIR/key.conf")"
run as_user "$USECRETCTL" install s.yaml --template key.tmpl key.conf --sudo -v
assert_err "^secretctl: $DIR/key.conf: unchanged$" "again: unchanged, decided as the caller"
same "and sudo did not run" "$((n + 3))" "$(sudo_runs)"
rm -f "$DIR/key.conf"
n=$((n + 1))
if grep -q "^$USR:" /etc/subuid; then
	run as_user "$USECRETCTL" install s.yaml -f app/key --sudo --reader 53 -v
	assert_err "^secretctl: $DIR/key: replaced$" "--reader 53 through sudo: replaced"
	same "through sudo" "$((n + 3))" "$(sudo_runs)"
	run as_user "$USECRETCTL" install s.yaml -f app/key --sudo --reader 53 -v
	assert_err "^secretctl: $DIR/key: unchanged$" "again: unchanged (the readers' ACL compared as the caller)"
	same "and sudo did not run" "$((n + 3))" "$(sudo_runs)"
	run as_user "$USECRETCTL" install s.yaml -f app/key --sudo -v
	assert_err "^secretctl: $DIR/key: replaced$" "without the reader: replaced"
	same "through sudo" "$((n + 4))" "$(sudo_runs)"
	ino=$(stat -c '%i %y' "$DIR/key")
else
	skip "useradd gave $USR no /etc/subuid range (--reader)"
fi
# --dry-run --sudo: decided as the caller, sudo never runs
n=$(sudo_runs)
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo --dry-run
assert_rc 0 "--dry-run --sudo of an unchanged file: exit 0"
same "says unchanged" "$DIR/key: unchanged" "$(cat "$T/out")"
run as_user "$USECRETCTL" install s.yaml -f app/key2 key --sudo --dry-run
assert_rc 9 "--dry-run --sudo of other bytes: exit 9"
same "would replace (content)" "$DIR/key: would replace (content)" "$(cat "$T/out")"
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo --dry-run --mode 0440
same "another mode: would replace (mode)" "$DIR/key: would replace (mode)" "$(cat "$T/out")"
run as_user "$USECRETCTL" install s.yaml -f app/key other --sudo --dry-run
assert_rc 9 "--dry-run --sudo of a new NAME: exit 9"
same "would create" "$DIR/other: would create" "$(cat "$T/out")"
same "--dry-run never ran sudo" "$n" "$(sudo_runs)"
same "and changed nothing" "$ino" "$(stat -c '%i %y' "$DIR/key")"
assert "nor created anything" [ ! -e "$DIR/other" ]
n=$(sudo_runs)
run as_user "$USECRETCTL" install s.yaml -f app/key2 key --sudo -v
assert_err "^secretctl: $DIR/key: replaced$" "replaced through sudo"
same "other bytes: sudo ran once" "$((n + 1))" "$(sudo_runs)"
assert "with install-write" grep -q "install-write --uid $U .*key\$" "$SUDO_LOG"
run as_user "$USECRETCTL" install s.yaml -e app/env --sudo --mode 0440
same "env form with --mode through sudo" "440 $U:0 12" "$(st "$DIR/env")"
assert "env bytes" [ "$(cat "$DIR/env")" = TOKEN=t0k3n ]
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo --dir /etc/secrets
assert_rc 2 "--sudo with another --dir: usage error"
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo --owner root
assert_rc 2 "--sudo with another --owner: usage error"
run as_user sudo -n "$USECRETCTL_REAL" install-write --uid 0 x < /dev/null
assert "the pinned rule does not even run install-write --uid 0" [ "$RC" -ne 0 -a ! -e /etc/secrets/0/x ]

# ---- the sudoers lines the man page and README.md suggest ----
# Every one (a rule for a user, a Defaults line), as the reader sees it
# (scdoc's bold and escapes removed), the example user alice replaced by
# $USR, must pass visudo -c -s (strict: an undefined alias, such as an
# upper-case user name, is an error); beside each rule of the man page, a
# Defaults!BINARY !log_input keeps the value out of sudo's I/O log.
sudoers_lines() { # FILE: its sudoers lines, one per line
	grep -oE '\*?([A-Za-z_][A-Za-z0-9_-]* +ALL *= *\([^)]*\)[^`]*|Defaults[!:@>][^`]*)' "$1" |
		sed -e 's/[[:space:]]*$//' -e '/^\*/ { s/^\*//; s/\([^\\]\)\*$/\1/; }' \
			-e 's/\\\([*_~]\)/\1/g'
}
for_user() { sed -E "s/^alice /$USR /"; }
for doc in "$TOP/docs/secretctl.1.scd" "$TOP/README.md"; do
	d=${doc#"$TOP/"}
	sudoers_lines "$doc" | for_user > "$T/lines"
	[ "$d" = README.md ] || assert "$d suggests a sudoers rule and its Defaults" \
		grep -q NOPASSWD "$T/lines"
	while IFS= read -r line; do
		printf '%s\n' "$line" > "$T/one.sudoers"
		if visudo -c -s -f "$T/one.sudoers" > "$T/visudo.out" 2>&1 && ! grep -qv 'parsed OK' "$T/visudo.out"; then
			ok "visudo -c -s: $d: $line"
		else
			not_ok "visudo -c -s: $d: $line"; diag < "$T/visudo.out"
		fi
	done < "$T/lines"
done
sudoers_lines "$TOP/docs/secretctl.1.scd" > "$T/man.lines"
miss=""
while read -r _ _ _ bin _; do
	grep -qxF "Defaults!$bin !log_input" "$T/man.lines" || miss="$miss $bin"
done < <(grep NOPASSWD "$T/man.lines")
assert "beside every rule of the man page: Defaults!BINARY !log_input${miss:+ (missing for:$miss)}" [ -z "$miss" ]
# The man page's lines as a drop-in (the binary: this one): the documented
# command works through them, and sudo's I/O log, on for the user (input
# and output), keeps no byte of the value; without the Defaults line it
# does (the check can fail).
MAN_BIN=$(grep NOPASSWD "$T/man.lines" | head -1 | awk '{ print $4 }')
IOLOG=$T/iolog
iolog_has() { grep -rqF "$1" "$IOLOG" 2>/dev/null; }
as_drop_in() { # [--no-defaults]
	{
		echo "Defaults:$USR log_input, log_output, !compress_io, iolog_dir=$IOLOG"
		if [ "${1:-}" = --no-defaults ]; then grep -v '^Defaults' "$T/man.lines"; else cat "$T/man.lines"; fi
	} | for_user | sed "s|$MAN_BIN|$USECRETCTL_REAL|g" > "$DROPIN.new"
	chmod 0440 "$DROPIN.new"
	visudo -c -s -f "$DROPIN.new" >/dev/null && mv "$DROPIN.new" "$DROPIN"
}
if [ -z "$MAN_BIN" ]; then
	not_ok "the man page names the binary in its sudoers rule"
elif ! as_drop_in --no-defaults; then
	not_ok "the man page's lines make a valid drop-in"; rm -f "$DROPIN.new"
else
	n=$(sudo_runs)
	run as_user "$USECRETCTL" install s.yaml -f app/key key --sudo
	assert_rc 0 "the man page's rule (without its Defaults line): install --sudo works"
	same "through sudo" "$((n + 1))" "$(sudo_runs)"
	assert "and sudo's I/O log holds the value (log_input): the check can fail" iolog_has key-bytes
	as_drop_in
	rm -rf "$IOLOG"
	run as_user "$USECRETCTL" install s.yaml -f app/key2 key --sudo -v
	assert_rc 0 "the man page's rule and Defaults line: install --sudo works"
	assert_err "^secretctl: $DIR/key: replaced$" "the file is replaced"
	assert "with the new bytes" [ "$(cat "$DIR/key")" = other-bytes ]
	same "through sudo" "$((n + 2))" "$(sudo_runs)"
	assert "sudo logged the session (log_output: -v's line)" iolog_has "$DIR/key: replaced"
	assert "but not the value (!log_input for secretctl)" bash -c "! grep -rqF other-bytes '$IOLOG'"
fi
rm -rf "$IOLOG"

# ---- a rule for install-write alone grants nothing more ----
echo "$USR ALL=(root) NOPASSWD: $USECRETCTL install-write *" > "$DROPIN"
iw() { printf evil > "$T/evil"; run_in "$T/evil" as_user sudo -n "$USECRETCTL" install-write "$@"; }
iw --uid 0 x
assert_rc 7 "install-write --uid 0 (chown to root): exit 7"
assert_err "--uid must be given once and be the sudo caller's uid $U" "says whose uid it must be"
assert "no /etc/secrets/0/x" [ ! -e /etc/secrets/0/x ]
iw --uid "$U" --uid 0 x
assert_rc 7 "--uid twice: exit 7"
iw --uid 1 x
assert_rc 7 "another user's uid: exit 7"
iw --uid "$U" "../sctl-evil-$$"
assert_rc 7 "NAME ../x (outside the directory): exit 7"
iw --uid "$U" "/etc/sctl-evil-$$"
assert_rc 7 "an absolute NAME: exit 7"
iw --uid "$U" --dir /etc "sctl-evil-$$"
assert_rc 2 "--dir: there is no such option (exit 2)"
iw --uid "$U" --owner root x
assert_rc 2 "--owner: no such option (exit 2)"
assert "nothing was written outside $DIR" [ ! -e "/etc/sctl-evil-$$" -a ! -e "/etc/secrets/sctl-evil-$$" -a ! -e "$DIR/x" ]
printf evil > "$T/evil"
run_in "$T/evil" as_user sudo -n SUDO_UID=0 "$USECRETCTL" install-write --uid 0 x
assert "\$SUDO_UID cannot be set through sudo" [ "$RC" -ne 0 -a ! -e /etc/secrets/0/x ]
run_in "$T/evil" as_user "$USECRETCTL" install-write --uid "$U" x
assert_rc 7 "install-write without sudo: exit 7"
run_in "$T/evil" env -u SUDO_UID "$SECRETCTL" install-write --uid 0 x
assert_rc 7 "install-write as root without \$SUDO_UID: exit 7"

# planted symlinks need a directory the user may write: as --mkdir makes it
chown "$U:0" "$DIR"; chmod 2750 "$DIR"
printf victim > "$VICTIM"; chmod 0644 "$VICTIM"
as_user ln -s "$VICTIM" "$DIR/evil"
as_user ln -s "/etc/sctl-created-$$" "$DIR/evil2"
iw --uid "$U" evil
assert_rc 7 "a symlink planted at NAME: exit 7"
assert_err "'$DIR/evil' is a symlink; refusing" "says so"
same "the symlink's target is untouched (bytes, owner, mode)" "victim 644 0:0" \
	"$(cat "$VICTIM") $(stat -c '%a %u:%g' "$VICTIM")"
iw --uid "$U" evil2
assert_rc 7 "a dangling symlink planted at NAME: exit 7"
assert "its target was not created" [ ! -e "/etc/sctl-created-$$" ]
# and in the user's own 2750 directory no sudo is needed at all
run as_user "$USECRETCTL" install s.yaml -f app/key --sudo -v
assert_err "^secretctl: $DIR/key: replaced$" "in its own uid:root 2750 directory the user writes directly"
same "still <uid>:root 0400 (setgid directory)" "400 $U:0 9" "$(st "$DIR/key")"

# ---- the one-time root step as the README gives it: sudo secretctl
# install --mkdir (no store: sudo resets HOME, the user's identity is not
# found as root), then the user installs without sudo ----
rm -rf "$DIR"
echo "$USR ALL=(root) NOPASSWD: $USECRETCTL install --mkdir" > "$DROPIN"
run as_user sudo -n "$USECRETCTL" install --mkdir
assert_rc 0 "sudo secretctl install --mkdir, as the user through real sudo"
assert "and says nothing" [ ! -s "$T/err" -a ! -s "$T/out" ]
same "/etc/secrets/<uid> is <uid>:root 2750, empty" "2750 $U:0 0" "$(stat -c '%a %u:%g' "$DIR") $(ls -A "$DIR" | wc -l)"
run as_user sudo -n "$USECRETCTL" install --mkdir
assert_rc 0 "again: nothing to do, exit 0"
run as_user "$USECRETCTL" install s.yaml -e app/env app.env -v
assert_rc 0 "then the user's own install, without sudo, works"
assert_err "^secretctl: $DIR/app.env: created$" "into /etc/secrets/<uid>/app.env"
same "<uid>:root 0400 (setgid directory)" "400 $U:0 12" "$(st "$DIR/app.env")"
assert "with the exact bytes" [ "$(cat "$DIR/app.env")" = TOKEN=t0k3n ]
chmod g-s "$DIR"
run as_user sudo -n "$USECRETCTL" install --mkdir
assert_rc 7 "a directory that is not as --mkdir makes it: exit 7"
assert_err "^secretctl: directory '$DIR' exists with mode 0750, not 2750" "says what is wrong"
same "and changes nothing" "750 $U:0" "$(stat -c '%a %u:%g' "$DIR")"
