#!/bin/bash
# The apply examples (examples/apply/): the units pass systemd-analyze
# --user verify (secretctl bind-mounted where systemd looks for a bare
# command name), quadlet's real generator (Debian 13's, quadlet_fetch)
# makes a service of app.container that verifies too, and the example
# manifest runs for real the way the units run it: ExecStartPre= of the
# .container (%h, %n expanded) makes exactly app.service's targets, the
# oneshot all of them, a second run changes nothing. No systemd manager
# runs on the test machine (not PID 1; `systemd --user` refuses to start):
# the units' command lines are run by the test, and --restart's systemctl
# is a recording wrapper. Runs in a private mount namespace with a tmpfs on
# /etc/secrets, so the real /etc/secrets is never written.
[ "$(id -u)" = 0 ] && [ -z "${SCT_IN_NS:-}" ] && unshare -m --propagation private true 2>/dev/null &&
	exec env SCT_IN_NS=1 unshare -m --propagation private bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
need systemd-analyze podman
[ "$(id -u)" = 0 ] || { skip "needs root (a private /etc/secrets)"; exit 0; }
[ -n "${SCT_IN_NS:-}" ] || { skip "cannot make a private mount namespace (unshare -m)"; exit 0; }
E=$TOP/examples/apply
P=sax$$
cleanup() {
	podman secret ls --format '{{.Name}}' 2>/dev/null | grep -E "^(app_|pg_)" | while read -r n; do
		[ "$(podman secret inspect "$n" --format '{{index .Spec.Labels "secretctl.manifest"}}' 2>/dev/null)" = "$P" ] &&
			podman secret rm -- "$n" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p /etc/secrets "$T/bin"
mount -t tmpfs -o mode=0755 tmpfs /etc/secrets || { skip "cannot mount a tmpfs on /etc/secrets"; exit 0; }
cp "$SECRETCTL" "$T/bin/secretctl"
chmod 755 "$T/bin" "$T/bin/secretctl"
mount --bind "$T/bin" /usr/local/bin
cd "$T" || exit 1

# ---- systemd-analyze verify ----
mkdir -m 700 "$T/run" "$T/units"
cp "$E"/*.service "$E"/*.path "$T/units/"
for u in "$T"/units/*; do
	run env XDG_RUNTIME_DIR="$T/run" systemd-analyze --user verify "$u"
	assert_rc 0 "systemd-analyze --user verify $(basename "$u")"
done
run env XDG_RUNTIME_DIR="$T/run" systemd-analyze --user verify "$T/units/secretctl-apply.path"
assert "the .path unit names the service it starts" grep -q '^Unit=secretctl-apply-restart.service$' "$E/secretctl-apply.path"

# ---- quadlet's generator ----
if ! quadlet_fetch; then
	skip "quadlet: $QUADLET_WHY"
else
	mkdir -p "$T/q/in" "$T/q/user"
	cp "$E/app.container" "$T/q/in/"
	run env QUADLET_UNIT_DIRS="$T/q/in" "$QUADLET" -dryrun -user
	sed -n '/^---app.service---$/,/^---/{/^---/d;p}' "$T/out" >"$T/q/user/app.service"
	assert "quadlet: app.container generates app.service with a podman run line" \
		grep -q '^ExecStart=/usr/bin/podman run ' "$T/q/user/app.service"
	assert "quadlet keeps the ExecStartPre= apply line" \
		grep -qxF 'ExecStartPre=secretctl apply %h/.config/secretctl/host.apply.yaml --unit %n' "$T/q/user/app.service"
	run env XDG_RUNTIME_DIR="$T/run" systemd-analyze --user verify "$T/q/user/app.service"
	assert_rc 0 "quadlet: systemd-analyze --user verify app.service"
fi

# ---- the example manifest, run as the units run it ----
H=$T/home
mkdir -p "$H/.config/secretctl" "$H/data/config/secrets" "/etc/secrets/0"
chmod 2750 /etc/secrets/0
cp "$TOP/examples/demo/secret.yaml" "$H/data/config/secrets/.secret.yaml"
install -m 600 "$TOP/examples/demo/identity.txt" "$H/.config/secretctl/identity.txt"
sed "s/^name: host /name: $P /" "$E/host.apply.yaml" >"$H/.config/secretctl/host.apply.yaml"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%s/systemctl.log\n' "$T" >"$T/bin/systemctl"
chmod 755 "$T/bin/systemctl"
unit_cmd() { # FILE KEY: the unit's command, %h and %n expanded (the unit is app.service)
	sed -n "s/^$2=//p" "$1" | sed "s|%h|$H|g; s|%n|app.service|g"
}
as_unit() { env -i HOME="$H" PATH="/usr/local/bin:/usr/bin:/bin" setsid "$@" </dev/null; }
read -ra pre <<<"$(unit_cmd "$E/app.container" ExecStartPre)"
run as_unit "${pre[@]}"
assert_rc 0 "app.container's ExecStartPre= runs"
assert "it made app.service's files" test -f /etc/secrets/0/app.env -a -f /etc/secrets/0/tls.key
assert "...and not postgres.service's" test ! -e /etc/secrets/0/pg.env
assert "...and app.service's podman secret" podman secret inspect app_db_password
assert "the env file has the demo's values, podman format" grep -q '^DB_PASSWORD=' /etc/secrets/0/app.env
read -ra one <<<"$(unit_cmd "$E/secretctl-apply.service" ExecStart)"
run as_unit "${one[@]}"
assert_rc 0 "secretctl-apply.service's ExecStart= runs"
assert "it made postgres.service's targets too" test -f /etc/secrets/0/pg.env
assert "...and its podman secrets" podman secret inspect pg_POSTGRES_PASSWORD
stat -c '%n %i %Y' /etc/secrets/0/* >before
read -ra rs <<<"$(unit_cmd "$E/secretctl-apply-restart.service" ExecStart)"
run as_unit "${rs[@]}"
assert_rc 0 "the .path unit's service runs"
stat -c '%n %i %Y' /etc/secrets/0/* >after
assert "nothing changed: no file touched" cmp -s before after
assert "nothing changed: no systemctl run" test ! -e "$T/systemctl.log"
printf "new pg user" >"$T/v"
as_unit secretctl set "$H/data/config/secrets/.secret.yaml" postgres/env/POSTGRES_USER --value-file "$T/v"
run as_unit "${rs[@]}"
assert_rc 0 "after a change, the .path unit's service runs"
assert "it restarts postgres.service only (as root: the system manager)" \
	test "$(cat "$T/systemctl.log" 2>/dev/null)" = "try-restart postgres.service"
run as_unit secretctl apply "$H/.config/secretctl/host.apply.yaml" --list
assert_rc 0 "apply --list of the example"
assert "--list shows the five targets" test "$(wc -l <"$T/out")" = 5
echo "1..$TESTNUM"
