#!/bin/bash
# README.md as a user follows it: every ```sh block (those marked
# "sh norun" build or test the tree itself), in order, in one shell,
# `set -e`, as a new unprivileged user with sudo rights, rootless podman
# and git, with secretctl installed where `make install` puts it
# (/usr/local/bin, bound there in a private mount namespace, so sudo's
# secure_path finds it too). What cannot run here is a stub on PATH: the
# editor (an interactive program; the stub edits the file as a person
# would). Then what the blocks claim is checked: the files in
# /etc/secrets, the podman secrets, git's plaintext diff; the README's
# quadlet lines are the example unit's, and its table and exit codes are
# the tool's.
. "$(dirname "$0")/lib.sh"
need sudo runuser useradd userdel podman git unshare python3
[ "$(id -u)" = 0 ] || { skip "the README is followed as a new user with sudo: needs root"; exit 0; }

U=sctrm$$
H=/home/$U
RUN=/tmp/$U-run
SUDOERS=/etc/sudoers.d/secretctl-readme-$U
as_user() {
	(cd / && runuser -u "$U" -- env -i HOME="$H" XDG_RUNTIME_DIR="$RUN" LC_ALL=C \
		PATH=/usr/local/bin:/usr/bin:/bin "$@")
}
cleanup() {
	if id "$U" >/dev/null 2>&1; then
		as_user podman secret rm --all >/dev/null 2>&1
		local pid i=0 uid
		uid=$(id -u "$U")
		pid=$(cat "$RUN/libpod/tmp/pause.pid" 2>/dev/null)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
		rm -rf "/etc/secrets/$uid"
		while id "$U" >/dev/null 2>&1 && [ $i -lt 50 ]; do
			userdel -r "$U" >/dev/null 2>&1 || sleep 0.1
			i=$((i + 1))
		done
	fi
	rm -f "$SUDOERS"
	other_user_bin_done
	rm -rf "$RUN" "$T"
}
trap cleanup EXIT
other_user_bin || { not_ok "cannot copy secretctl where $U can run it"; exit 1; }
if ! useradd -m "$U" 2>"$T/err"; then not_ok "useradd: $(cat "$T/err")"; exit 1; fi
grep -q "^$U:" /etc/subuid || usermod --add-subuids 400000-465535 --add-subgids 400000-465535 "$U"
UID_U=$(id -u "$U")
mkdir -m 700 "$RUN" && chown "$U:" "$RUN"
echo "$U ALL=(ALL) NOPASSWD: ALL" > "$SUDOERS" && chmod 440 "$SUDOERS"
visudo -c -q -f "$SUDOERS" || { not_ok "the test's sudoers rule does not parse"; exit 1; }
rm -rf "/etc/secrets/$UID_U"

# the blocks, as one script; the stubs
STUB=$H/.stub
mkdir -p "$STUB"
cat > "$STUB/nano" <<'SH'
#!/bin/sh
# the person in the editor: one value changed
sed -i 's|smtp://mail:587|smtp://mail:2525|' "$1"
SH
chmod 755 "$STUB/nano"
python3 - "$TOP/README.md" > "$H/readme.sh" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
blocks = re.findall(r'^```sh\n(.*?)^```', t, re.S | re.M)
print('set -eo pipefail')
for i, b in enumerate(blocks):
    print('echo "### README block %d" >&2' % (i + 1))
    print(b)
PY
nblocks=$(grep -c '^echo "### README block' "$H/readme.sh")
assert "the README has shell blocks to run ($nblocks)" [ "$nblocks" -ge 5 ]
chown -R "$U:" "$H"
BIN=$(dirname "$USECRETCTL")
# a user's own git identity (a fresh account has none)
run unshare -m bash -c "mount --make-rprivate / && mount --bind '$BIN' /usr/local/bin &&
	cd / && runuser -u '$U' -- env -i HOME='$H' XDG_RUNTIME_DIR='$RUN' LC_ALL=C USER='$U' \
	PATH='$STUB':/usr/local/bin:/usr/bin:/bin VG_TAG='$VG_TAG' \
	GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=t@example.org \
	GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=t@example.org \
	bash '$H/readme.sh'"
assert_rc 0 "every shell block of README.md runs as written, in order (as a new user)"
grep '^### README block' "$T/err" | tail -1 | diag

# what the blocks claim
S=$H/data/config/secrets/.secret.yaml
assert "the store exists and verifies with the identity init created" \
	as_user "$USECRETCTL" verify "$S"
assert "the editor's change and set's are in it" bash -c "
	[ \"\$(cd / && runuser -u '$U' -- env -i HOME='$H' '$USECRETCTL' extract '$S' -f app/env/SMTP_URL)\" = smtp://mail:2525 ] &&
	[ \"\$(cd / && runuser -u '$U' -- env -i HOME='$H' '$USECRETCTL' extract '$S' -f app/env/DB_PASSWORD)\" = 'correct horse' ]"
assert "the backup identity is a recipient" bash -c "
	cd / && runuser -u '$U' -- env -i HOME='$H' '$USECRETCTL' recipients '$S' | grep -qx \"\$(runuser -u '$U' -- env -i HOME='$H' '$USECRETCTL' keygen -y '$H/backup-identity.txt')\""
st=$(stat -c '%u:%g %a' "/etc/secrets/$UID_U" 2>/dev/null)
assert "sudo secretctl install --mkdir made /etc/secrets/$UID_U, $U:root 2750 ($st)" [ "$st" = "$UID_U:0 2750" ]
st=$(stat -c '%u:%g %a' "/etc/secrets/$UID_U/app.env" 2>/dev/null)
assert "app.env is $U:root 0400 ($st)" [ "$st" = "$UID_U:0 400" ]
assert "app.env holds the podman dialect's lines" bash -c "
	diff '/etc/secrets/$UID_U/app.env' \
	     <(cd / && runuser -u '$U' -- env -i HOME='$H' '$USECRETCTL' extract '$S' -e app/env --format podman)"
assert "db_password holds the value" bash -c "[ \"\$(cat '/etc/secrets/$UID_U/db_password')\" = hunter2 ]"
run as_user podman secret ls --format '{{.Name}}'
assert "podman -e app/env --prefix app_ made app_DB_PASSWORD and app_SMTP_URL" bash -c "
	grep -qx app_DB_PASSWORD '$T/out' && grep -qx app_SMTP_URL '$T/out'"
rid=$(as_user podman secret inspect --format '{{.ID}} {{.Spec.Driver.Name}}' ref_db_password 2>/dev/null)
assert "podman --driver shell made ref_db_password, a shell-driver secret" [ "${rid#* }" = shell ]
run as_user "$USECRETCTL" podman-driver list
assert "podman-driver list lists its ID" grep -qx "${rid%% *}" "$T/out"
run as_user env SECRET_ID="${rid%% *}" "$USECRETCTL" podman-driver lookup
assert "...and podman-driver lookup gives the store's value (hunter2)" [ "$RC:$(cat "$T/out")" = 0:hunter2 ]
assert "apply recorded app.env in its state file" grep -qx app.env "/etc/secrets/$UID_U/.secretctl-apply."*
run as_user podman secret inspect app_db_password --format '{{index .Spec.Labels "secretctl.manifest"}}'
assert "apply labelled app_db_password as the manifest's" grep -q '^p[0-9a-f]\{32\}$' "$T/out"
assert "git log -p showed the plaintext (the textconv line)" bash -c "
	cd '$H/data/config' && runuser -u '$U' -- env -i HOME='$H' PATH='$BIN':/usr/bin:/bin git log -p -1 | grep -q 'DB_PASSWORD: correct horse'"

# the man page's EXAMPLES too, the same way (its plain.yaml: a view with
# the keys they use)
python3 - "$TOP/docs/secretctl.1.scd" > "$H/manpage.sh" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
ex = t[t.index('# EXAMPLES'):]
block = re.search(r'^```\n(.*?)^```', ex, re.S | re.M).group(1)
print('set -eo pipefail\ncd ~')
print("printf 'app:\\n  env:\\n    TOKEN: from-the-man-page\\n  db_password: pw\\n' > plain.yaml")
print(block)
PY
chown "$U:" "$H/manpage.sh"
run unshare -m bash -c "mount --make-rprivate / && mount --bind '$BIN' /usr/local/bin &&
	cd / && runuser -u '$U' -- env -i HOME='$H' XDG_RUNTIME_DIR='$RUN' LC_ALL=C USER='$U' \
	PATH=/usr/local/bin:/usr/bin:/bin VG_TAG='$VG_TAG' bash '$H/manpage.sh'"
assert_rc 0 "every command of the man page's EXAMPLES runs as written (as the same user)"
assert "... and its install made app.env from ~/secrets.yaml" \
	grep -qx 'TOKEN=from-the-man-page' "/etc/secrets/$UID_U/app.env"
assert "... and its render and install --template filled the template" bash -c "
	grep -qx 'token = \"from-the-man-page\"' '$H/app.conf' &&
	cmp -s '$H/app.conf' '/etc/secrets/$UID_U/app.conf'"

# the quadlet lines README shows are the example unit's, which tests/cli run
while IFS= read -r l; do
	grep -qxF -- "$l" "$TOP/examples/quadlet/app.container" ||
		{ not_ok "README's unit line is not in examples/quadlet/app.container: $l"; continue; }
	ok "README's unit line is the example's: ${l%%=*}="
done < <(sed -n '/^```ini$/,/^```$/p' "$TOP/README.md" | grep -E '^(ExecStartPre|EnvironmentFile|Secret)=')
# the exit codes README lists are the tool's
codes=$(sed -n '/^| exit |/,/^$/p' "$TOP/README.md" | grep -oE '^\| [0-9]+ ' | tr -dc '0-9\n' | tr '\n' ' ')
assert "README lists exit codes 2 to 9 ($codes)" [ "$codes" = "2 3 4 5 6 7 8 9 " ]
assert "README is at most 300 lines ($(wc -l < "$TOP/README.md"))" [ "$(wc -l < "$TOP/README.md")" -le 300 ]
