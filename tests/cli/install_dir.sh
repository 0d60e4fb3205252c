#!/bin/bash
# install --dir resolves DIR without following a symlink in any component:
# a symlink in a parent of DIR is refused (exit 7, naming it) and nothing
# is written behind it, with --mkdir too; a loop swapping a parent between
# a directory and a symlink while install --mkdir runs, as root, again and
# again, never makes it write, chown or chmod anything behind the symlink.
# install --mkdir alone (no STORE) creates the directory and nothing else,
# and changes no directory that exists: one that is not as it would make
# it is named (exit 7).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "install --dir tests need root (chown)"; exit 0; }

cd "$T"
sc keygen -o id.txt 2>/dev/null
export SECRETCTL_IDENTITY="$T/id.txt"
printf 'app:\n  key: key-bytes\n' > plain.yaml
sc encrypt plain.yaml -r "$(sc keygen -y id.txt)" -o s.yaml
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf 'want: %s\ngot:  %s\n' "$2" "$3" | diag; fi; }
# the state of a directory and what it holds: owner, group, mode of each
state() { (cd "$1" && find . -printf '%p %u:%g %m %y\n' | sort); }

# ---- a symlink in a parent of DIR ----
# target: a root directory, as /etc with its cron.d; victim/x: a symlink
# to it that the owner of victim/ planted
mkdir -p target/cron.d victim
chmod 755 target target/cron.d
ln -s "$T/target" victim/x
before=$(state target)
run sc install s.yaml -f app/key --dir victim/x/cron.d --owner nobody
assert_rc 7 "--dir with a symlink as a parent: exit 7"
assert_err "^secretctl: directory 'victim/x/cron.d': 'victim/x' is a symlink" "the message names the component"
assert_one_line "in one line"
same "nothing was written behind the symlink" "$before" "$(state target)"
run sc install s.yaml -f app/key --dir "$T/victim/x/cron.d"
assert_rc 7 "an absolute --dir with a symlink as a parent: exit 7"
assert_err "'$T/victim/x' is a symlink" "names it"
run sc install s.yaml -f app/key --dir victim/x/new --mkdir --owner nobody
assert_rc 7 "--mkdir below a symlink: exit 7"
assert_err "'victim/x' is a symlink" "names it"
same "--mkdir created nothing behind it" "$before" "$(state target)"
run sc install s.yaml -f app/key --dir victim/x/cron.d --mkdir --owner nobody
assert_rc 7 "--mkdir of a directory that exists behind a symlink: exit 7"
same "and changed nothing there (owner, mode)" "$before" "$(state target)"
ln -s victim/x vx
run sc install s.yaml -f app/key --dir vx/cron.d
assert_rc 7 "a chain of symlinks: exit 7"
assert_err "'vx' is a symlink" "names the first one"
mkdir -m 700 real
run sc install s.yaml -f app/key --dir "$T/./real/../real" k
assert_rc 0 "'.' and '..' components are no symlinks: installed"

# ---- install --mkdir alone: the directory, nothing else ----
run sc install --mkdir --dir mk --owner nobody -v
assert_rc 0 "install --mkdir without a store creates the directory"
assert_err "^secretctl: mk: created$" "-v says created"
same "as owner:root 2750, empty" "2750 65534:0 0" "$(stat -c '%a %u:%g' mk) $(ls -A mk | wc -l)"
ino=$(stat -c '%i %z' mk)
run sc install --mkdir --dir mk --owner nobody -v
assert_rc 0 "again: exit 0"
assert_err "^secretctl: mk: unchanged$" "-v says unchanged"
same "and it is left as it was" "$ino" "$(stat -c '%i %z' mk)"
chmod g-s mk  # (chmod 0750 keeps a directory's setgid bit)
run sc install --mkdir --dir mk --owner nobody
assert_rc 7 "an existing directory with another mode: exit 7"
assert_err "^secretctl: directory 'mk' exists with mode 0750, not 2750" "says what is wrong"
assert_one_line "in one line"
same "and changes nothing" "750 65534:0" "$(stat -c '%a %u:%g' mk)"
chmod 2750 mk; chown root:nogroup mk
run sc install --mkdir --dir mk --owner nobody
assert_rc 7 "another owner and group: exit 7"
assert_err "owner 0:65534, not 65534:0" "says so"
same "and changes nothing" "2750 0:65534" "$(stat -c '%a %u:%g' mk)"
run env SUDO_UID=65534 "$SECRETCTL" install --mkdir --dir mk2
assert_rc 0 "under sudo the owner is \$SUDO_UID"
same "mk2 is 65534:0 2750" "2750 65534:0" "$(stat -c '%a %u:%g' mk2)"
run sc install --mkdir --dir victim/x/mk3
assert_rc 7 "below a symlink: exit 7"
run sc install --mkdir --dir nodir/mk4
assert_rc 7 "a missing parent: exit 7"
assert_err "directory 'nodir/mk4': 'nodir' does not exist" "says which"
run sc install --mkdir --dir mk5 s.yaml
assert_rc 2 "a STORE without -e or -f: usage error"
run sc install --mkdir --dir mk5 --mode 0440
assert_rc 2 "--mode with --mkdir alone: usage error"
run sc install --mkdir --dir mk5 --group root
assert_rc 2 "--group with --mkdir alone: usage error"
run sc install --mkdir --dir mk5 --sudo
assert_rc 2 "--sudo with --mkdir alone: usage error"
assert "the usage errors created nothing" [ ! -e mk5 ]
run sc install --dir mk5
assert_rc 2 "no -e, -f or --mkdir: usage error"

# ---- the race: a parent swapped between a directory and a symlink ----
if ! command -v cc >/dev/null; then skip "cc is missing (the swapper)"; exit 0; fi
cat > swap.c <<'C'
/* swap A B STOP: exchange the names A and B (renameat2 RENAME_EXCHANGE)
 * until the file STOP exists; prints the number of exchanges. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/fs.h>
int main(int argc, char **argv)
{
	long n = 0;
	if (argc != 4) return 2;
	while (access(argv[3], F_OK) != 0) {
		if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) {
			perror("renameat2"); return 1;
		}
		n++;
	}
	printf("%ld\n", n);
	return 0;
}
C
if ! cc -O2 -o swap swap.c 2>cc.err; then not_ok "cannot build the swapper"; diag < cc.err; exit 1; fi
# 64 root directories d1..d64 behind the symlink, one per try, so that
# every try runs --mkdir's creation: it must never chown one of them
N=64
rm -rf target victim
mkdir -p target victim/x
for i in $(seq 1 $N); do mkdir -m 755 "target/d$i"; done
chmod 755 target
ln -s "$T/target" victim/xl
before=$(state target)
./swap victim/x victim/xl stop > swaps.txt 2> swap.err &
spid=$!
made=0; refused=0; other=0
for i in $(seq 1 $N); do
	run "$SECRETCTL_REAL" install s.yaml -f app/key --dir "victim/x/d$i" --mkdir --owner nobody
	case $RC in 0) made=$((made + 1)) ;; 7) refused=$((refused + 1)) ;; *) other=$((other + 1)); diag < "$T/err" ;; esac
done
touch stop
wait $spid
echo "# $N tries while the parent was swapped $(cat swaps.txt) times: $made created in the real directory, $refused refused"
assert "the swapper ran" [ -s swaps.txt -a ! -s swap.err ]
assert "every try created the directory or refused (exit 0 or 7)" [ "$other" = 0 ]
same "nothing behind the symlink was written, chowned or chmodded" "$before" "$(state target)"
real=victim/x; [ -L $real ] && real=victim/xl
bad=$(find "$real" -mindepth 1 -maxdepth 1 -type d ! \( -user nobody -group root -perm 2750 \) | wc -l)
assert "what was created in the real directory is nobody:root 2750 ($(ls "$real" | wc -l) of $N)" [ "$bad" = 0 ]
