#!/bin/bash
# podman, rootless: an unprivileged user (useradd -m, /etc/subuid entries,
# newuidmap from uidmap) runs secretctl podman and a rootless container
# that reads the secrets. No systemd/logind here: the user gets a private
# XDG_RUNTIME_DIR it owns. The user, its files, its secrets and podman's
# pause process are removed on exit.
. "$(dirname "$0")/lib.sh"
need podman runc cc useradd userdel runuser newuidmap od
[ "$(id -u)" = 0 ] || { skip "needs root to create a test user"; exit 0; }

U=sctrl$$
H=/home/$U
RUN=/tmp/$U-run
cleanup() {
	if id "$U" >/dev/null 2>&1; then
		as_user podman secret rm --all >/dev/null 2>&1
		# rootless podman leaves a pause process holding its user namespace
		local pid i=0
		pid=$(cat "$RUN/libpod/tmp/pause.pid" 2>/dev/null)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
		# userdel refuses while a process of the user is still exiting
		while id "$U" >/dev/null 2>&1 && [ $i -lt 50 ]; do
			userdel -r "$U" >/dev/null 2>&1 || sleep 0.1
			i=$((i + 1))
		done
	fi
	rm -rf "$RUN" "$T"
}
trap cleanup EXIT
as_user() {
	cd "$H" 2>/dev/null || cd /
	runuser -u "$U" -- env -i HOME="$H" XDG_RUNTIME_DIR="$RUN" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C SECRETCTL_IDENTITY="$H/id.txt" VG_TAG="$VG_TAG" "$@"
	local rc=$?
	cd "$T" 2>/dev/null || cd /
	return $rc
}
if ! useradd -m "$U" 2>"$T/err"; then not_ok "useradd: $(cat "$T/err")"; exit 1; fi
if ! grep -q "^$U:" /etc/subuid; then
	usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$U"
fi
assert "the user has /etc/subuid and /etc/subgid entries" grep -q "^$U:" /etc/subuid /etc/subgid
mkdir -m 700 "$RUN" && chown "$U:" "$RUN"

# Everything the user runs lives in its home, owned by it.
mkdir -p "$H/rootfs"/proc "$H/rootfs"/dev "$H/rootfs"/sys "$H/rootfs"/etc "$H/rootfs"/run/secrets
if ! cc -static -O2 -o "$H/rootfs/readsecret" "$TOP/tests/tools/static/readsecret.c" 2>"$T/cc.err"; then
	skip "cannot build a static program: $(head -1 "$T/cc.err")"; exit 0
fi
# (under make valgrind $SECRETCTL is the wrapper: the user's copy runs the
# build's binary, by its absolute path, under memcheck)
cp "$SECRETCTL" "$H/secretctl"
cd "$T"
sc keygen -o id.txt 2>/dev/null
printf 'app:\n  db_password: "rootless\\0pw"\n  env:\n    RL_A: "alpha value"\n    RL_B: "b=1\\nb=2"\n' >plain.yaml
sc encrypt plain.yaml -r "$(sc keygen -y id.txt)" -o s.yaml
cp id.txt s.yaml "$H/"
chown -R "$U:" "$H"
export SECRETCTL_IDENTITY="$T/id.txt"
hex() { od -An -v -tx1 | tr -d ' \n'; }
ctr() { # SPEC... -- ARG...
	local s=()
	while [ "$1" != -- ]; do s+=(--secret "$1"); shift; done; shift
	as_user podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 "${s[@]}" --rootfs "$H/rootfs" /readsecret "$@"
}
if ! ctr -- e:HOME >"$T/out" 2>"$T/err"; then
	skip "rootless podman cannot run a container here: $(grep -v 'shared mount' "$T/err" | head -1)"
	exit 0
fi

run as_user "$H/secretctl" podman "$H/s.yaml" -f app/db_password -v
assert_rc 0 "rootless: -f creates the user's secret"
assert_err "^secretctl: db_password: created" "rootless: -v says created"
run as_user "$H/secretctl" podman "$H/s.yaml" -e app/env -v
assert_rc 0 "rootless: -e on a mapping"
id1=$(as_user podman secret inspect --format '{{.ID}}' db_password 2>/dev/null)
run as_user "$H/secretctl" podman "$H/s.yaml" -f app/db_password -v
assert_err "^secretctl: db_password: unchanged \(id $id1\)$" "rootless: same value, same ID, unchanged"
if ! podman secret inspect db_password >/dev/null 2>&1; then
	ok "rootless: the secret is the user's, not root's"
else not_ok "root sees the user's secret"; fi

sc extract s.yaml -f app/db_password | hex >want_pw
sc extract s.yaml -f app/env/RL_A | hex >want_a
sc extract s.yaml -f app/env/RL_B | hex >want_b
run ctr db_password RL_A,type=env,target=A RL_B,type=env,target=B -- \
	f:/run/secrets/db_password e:A e:B
want="f:/run/secrets/db_password=$(cat want_pw)
e:A=$(cat want_a)
e:B=$(cat want_b)"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$want" ]; then
	ok "rootless container: file secret (with NUL) and env secrets are exactly extract -f's bytes"
else not_ok "rootless container (rc $RC)"; { cat "$T/out"; echo "want:"; echo "$want"; grep -v 'shared mount' "$T/err"; } | diag; fi

printf 'rotated-pw' >new.bin
sc set s.yaml app/db_password --value-file new.bin && cp s.yaml "$H/s.yaml" && chown "$U:" "$H/s.yaml"
run as_user "$H/secretctl" podman "$H/s.yaml" -f app/db_password -v
assert_rc 0 "rootless: a changed value"
assert_err "db_password: replaced" "rootless: -v says replaced"
id2=$(as_user podman secret inspect --format '{{.ID}}' db_password 2>/dev/null)
if [ -n "$id2" ] && [ "$id2" != "$id1" ]; then ok "rootless: new ID after a change"
else not_ok "rootless: ID $id1 -> $id2"; fi
run ctr db_password -- f:/run/secrets/db_password
if [ "$(cat "$T/out")" = "f:/run/secrets/db_password=$(hex <new.bin)" ]; then
	ok "rootless: a new container reads the new value"
else not_ok "rootless: new value not seen"; diag <"$T/out"; fi

cleanup
trap 'rm -rf "$T"' EXIT
if ! id "$U" >/dev/null 2>&1 && [ ! -e "$H" ] && ! grep -q "^$U:" /etc/subuid; then
	ok "cleanup: the user, its home and subuid entries are gone"
else not_ok "cleanup left the user or its home"; fi
echo "1..$TESTNUM"
