#!/bin/bash
# install --reader CONTAINER_UID: the container uid maps through the user's
# /etc/subuid range (host = start + uid - 1) to a POSIX ACL entry (r on the
# file, x on the directory), shown by getfacl; a rootless podman container
# running as uid 53 reads the file through a volume, as uid 54 it cannot.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "install --reader tests need root (useradd)"; exit 0; }
need getfacl useradd userdel runuser

USR=sctl-rdr-$$
had_root=0; [ -d /etc/secrets ] && had_root=1
cleanup() {
	if [ -n "${U:-}" ]; then
		# rootless podman leaves a pause process: end it by its pid file
		for f in "/tmp/podman-run-$U/libpod/tmp/pause.pid" "/run/user/$U/libpod/tmp/pause.pid"; do
			[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		done
		rm -rf "/etc/secrets/$U" "/tmp/podman-run-$U" "/tmp/containers-user-$U" "/tmp/storage-run-$U"
	fi
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
[ -e "$DIR" ] && { skip "$DIR exists already"; exit 0; }
START=$(awk -F: -v u="$USR" '$1 == u { print $2; exit }' /etc/subuid)
[ -n "$START" ] || { skip "useradd gave $USR no /etc/subuid range"; exit 0; }
H53=$((START + 52))

cd "$T"
sc keygen -o "$H/id.txt" 2>/dev/null
printf 'dns:\n  tsig.key: "c2VjcmV0LXRzaWcta2V5"\n' > plain.yaml
sc encrypt plain.yaml -r "$(sc keygen -y "$H/id.txt")" -o "$H/s.yaml"
chown "$USR:" "$H/id.txt" "$H/s.yaml"
as_user() {
	(cd "$H" && runuser -u "$USR" -- env -i HOME="$H" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		SECRETCTL_IDENTITY="$H/id.txt" VG_TAG="$VG_TAG" "$@")
}
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf 'want: %s\ngot:  %s\n' "$2" "$3" | diag; fi; }

# root makes the user's directory once (as a sudo'ed --mkdir would)
run env SUDO_UID="$U" "$SECRETCTL" install "$H/s.yaml" -f dns/tsig.key --mkdir -i "$H/id.txt"
assert_rc 0 "--mkdir as root for the user"
same "/etc/secrets/<uid> is <uid>:root 2750" "2750 $U:0" "$(stat -c '%a %u:%g' "$DIR")"

# ---- the ACL ----
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --reader 53 --dry-run
assert_rc 9 "--dry-run --reader 53: exit 9"
if [ "$(cat "$T/out")" = "$DIR: would change (readers)
$DIR/tsig.key: would replace (mode, readers)" ]; then ok "it says the directory's and the file's ACL would change, and the mode (the mask)"
else not_ok "--dry-run --reader 53 says"; diag < "$T/out"; fi
assert "and changes nothing" [ -z "$(getfacl -s "$DIR" "$DIR/tsig.key" 2>/dev/null)" ]
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --reader 53 -v
assert_rc 0 "--reader 53 as the user, into its own directory"
assert_err "^secretctl: $DIR/tsig.key: replaced$" "replaced (same bytes, new ACL)"
printf 'user::r--\nuser:%s:r--\ngroup::---\nmask::r--\nother::---\n' "$H53" > want.acl
getfacl -n --omit-header "$DIR/tsig.key" 2>/dev/null | sed '/^$/d' > got.acl
if cmp -s want.acl got.acl; then ok "getfacl: user:start+52 ($H53) may read the file, nothing more"
else not_ok "getfacl of the file"; { echo want:; cat want.acl; echo got:; cat got.acl; } | diag; fi
same "the mode shows the mask (0440), owner <uid>:root" "440 $U:0" "$(stat -c '%a %u:%g' "$DIR/tsig.key")"
printf 'user::rwx\nuser:%s:--x\ngroup::r-x\nmask::r-x\nother::---\n' "$H53" > want.dacl
getfacl -n --omit-header "$DIR" 2>/dev/null | sed '/^$/d' > got.dacl
if cmp -s want.dacl got.dacl; then ok "getfacl: the directory gives $H53 search (x) only"
else not_ok "getfacl of the directory"; { echo want:; cat want.dacl; echo got:; cat got.dacl; } | diag; fi
ino=$(stat -c %i "$DIR/tsig.key")
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --reader 53 --dry-run
assert_rc 0 "--dry-run of the same reader again: exit 0"
same "says unchanged" "$DIR/tsig.key: unchanged" "$(cat "$T/out")"
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --dry-run
same "--dry-run without the reader: would replace (mode, readers)" \
	"$DIR/tsig.key: would replace (mode, readers)" "$(cat "$T/out")"
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --reader 53 -v
assert_err "unchanged$" "the same reader again: unchanged"
same "same inode" "$ino" "$(stat -c %i "$DIR/tsig.key")"

# ---- refusals: exit 6 ----
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --reader 0
assert_rc 6 "--reader 0 (the user itself): exit 6"
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --reader 65537
assert_rc 6 "--reader beyond the subuid range: exit 6"
assert_err "container uid 65537 is outside $USR's subuid ranges in /etc/subuid \(container uids 1 to 65536\)" "says the range"
run as_user "$USECRETCTL" install s.yaml -f dns/tsig.key --reader abc
assert_rc 6 "--reader abc: exit 6"
if grep -q '^root:' /etc/subuid; then skip "root has a subuid range here"
else
	run "$SECRETCTL" install "$H/s.yaml" -f dns/tsig.key --dir "$T" -i "$H/id.txt" --reader 53
	assert_rc 6 "no subuid range (root): exit 6"
	assert_err "no subuid range for root in /etc/subuid" "says so"
fi
same "the refused runs left the file as it was" "$ino" "$(stat -c %i "$DIR/tsig.key")"

# ---- a rootless container as uid 53 reads it; as 54 it cannot ----
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v cc >/dev/null; then
	skip "podman, runc or cc is missing"; exit 0
fi
R=$H/rootfs
mkdir -p "$R/proc" "$R/dev" "$R/sys" "$R/etc" "$R/run/secrets"
cat > cat.c <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char b[4096]; ssize_t n; int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
	if (fd < 0) { fprintf(stderr, "cat: %s\n", strerror(errno)); return 1; }
	while ((n = read(fd, b, sizeof b)) > 0) if (write(1, b, (size_t)n) != n) return 1;
	return n < 0;
}
C
if ! cc -static -O2 -o "$R/cat" cat.c 2>cc.err; then
	skip "cannot build a static program: $(head -1 cc.err)"; exit 0
fi
chown -R "$USR:" "$R"
ctr() { # UID
	as_user podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --user "$1" -v "$DIR/tsig.key:/run/secrets/tsig.key:ro" \
		--rootfs "$R" /cat /run/secrets/tsig.key
}
run ctr 53
if [ "$RC" != 0 ] && ! grep -q 'cat:' "$T/err"; then
	skip "rootless podman cannot run a container here: $(grep -v 'level=warning' "$T/err" | head -1)"; exit 0
fi
assert_rc 0 "podman run --user 53 reads the file through the volume"
same "and gets its exact bytes" "c2VjcmV0LXRzaWcta2V5" "$(cat "$T/out")"
run ctr 54
assert "podman run --user 54 cannot (exit $RC)" [ "$RC" -ne 0 ]
assert_err "cat: Permission denied" "permission denied inside the container"
assert "and prints nothing of it" [ ! -s "$T/out" ]
