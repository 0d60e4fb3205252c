#!/bin/bash
# podman, rootless: an unprivileged user (useradd -m, /etc/subuid entries,
# newuidmap from uidmap) runs secretctl podman and a rootless container
# that reads the secrets. No systemd/logind here: the user gets a private
# XDG_RUNTIME_DIR it owns. The user, its files, its secrets and podman's
# pause process are removed on exit.
. "$(dirname "$0")/lib.sh"
need podman runc cc useradd userdel runuser newuidmap od base64
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

# ---- --driver shell: the user's podman asks the user's secretctl ----
ST=$H/.local/share/secretctl/podman
# (the file-driver secrets above hold the same values: gone first)
as_user podman secret rm --all >/dev/null
run as_user "$H/secretctl" podman "$H/s.yaml" --driver shell -f app/db_password sh_pw -v
assert_rc 0 "rootless --driver shell: created"
run as_user "$H/secretctl" podman "$H/s.yaml" --driver shell -e app/env --prefix sh_
assert_rc 0 "rootless --driver shell -e on a mapping"
sid=$(as_user podman secret inspect --format '{{.ID}}' sh_pw 2>/dev/null)
if [ -f "$ST/$sid" ] && [ "$(stat -c '%a %U' "$ST" "$ST/$sid" | tr '\n' ' ')" = "700 $U 600 $U " ] &&
	[ "$(stat -c %a "$H/.local/share/secretctl")" = 700 ]; then
	ok "rootless: the entry is in ~/.local/share/secretctl/podman, 0700 directories, a 0600 file of the user"
else not_ok "rootless state: $(ls -la "$ST" 2>&1)"; fi
run ctr sh_pw sh_RL_A,type=env,target=A sh_RL_B,type=env,target=B -- f:/run/secrets/sh_pw e:A e:B
want="f:/run/secrets/sh_pw=$(sc extract s.yaml -f app/db_password | hex)
e:A=$(cat want_a)
e:B=$(cat want_b)"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$want" ]; then
	ok "rootless container from shell-driver secrets: exactly extract -f's bytes"
else not_ok "rootless shell driver (rc $RC)"; { cat "$T/out"; echo "want:"; echo "$want"; grep -v 'shared mount' "$T/err"; } | diag; fi
hit=""
for p in app/db_password app/env/RL_A app/env/RL_B; do
	v=$(sc extract s.yaml -f "$p" | tr -d '\0\n' | head -c 30)
	b=$(sc extract s.yaml -f "$p" | base64 -w0 | head -c 30)
	grep -rqaF -- "$v" "$H/.local/share" && hit="$hit $p"
	grep -rqaF -- "$b" "$H/.local/share" && hit="$hit $p(b64)"
done
assert "rootless: no value nor its base64 under the user's container storage or the driver's state${hit:+ (found:$hit)}" [ -z "$hit" ]
printf 'rotated again' >new2.bin
sc set s.yaml app/db_password --value-file new2.bin && cp s.yaml "$H/s.yaml" && chown "$U:" "$H/s.yaml"
run ctr sh_pw -- f:/run/secrets/sh_pw
if [ "$(cat "$T/out")" = "f:/run/secrets/sh_pw=$(hex <new2.bin)" ]; then
	ok "rootless: after set, a new container sees the new value (no secretctl podman in between)"
else not_ok "rootless rotation"; diag <"$T/out"; fi
ls_ids=$(as_user podman secret ls --format '{{.ID}} {{.Driver}}' | awk '$2 == "shell" { print $1 }' | sort)
if [ "$(as_user "$H/secretctl" podman-driver list | sort)" = "$ls_ids" ] && [ -n "$ls_ids" ]; then
	ok "rootless: podman-driver list matches podman secret ls"; else not_ok "rootless list"; fi
as_user podman secret rm sh_pw >/dev/null
assert "rootless: podman secret rm removes the user's entry" [ ! -e "$ST/$sid" ]
# the state directory: a symlink or a directory open to others is refused
Z=0123456789abcdef012345678
mv "$ST" "$ST.real" && ln -s "$ST.real" "$ST"
run as_user env SECRET_ID=$Z "$H/secretctl" podman-driver lookup
assert_rc 7 "rootless: a symlinked state directory is refused (exit 7)"
assert_err "^secretctl: podman-driver lookup $Z: '$ST' is not a directory \(a symlink is refused\)$" "...says so"
rm "$ST" && mv "$ST.real" "$ST" && chmod 750 "$ST"
run as_user env SECRET_ID=$Z "$H/secretctl" podman-driver lookup
assert_rc 7 "rootless: a state directory open to the group is refused (exit 7)"
assert_err "is open to group or others \(mode 0750\): chmod 700" "...says how to fix it"
chmod 700 "$ST"

cleanup
trap 'rm -rf "$T"' EXIT
if ! id "$U" >/dev/null 2>&1 && [ ! -e "$H" ] && ! grep -q "^$U:" /etc/subuid; then
	ok "cleanup: the user, its home and subuid entries are gone"
else not_ok "cleanup left the user or its home"; fi
echo "1..$TESTNUM"
