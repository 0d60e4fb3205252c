#!/bin/bash
# install, atomicity and crash safety:
#  - a reader opening the file over and over while it is reinstalled 1 000
#    times with alternating contents never sees an empty, partial or
#    wrong-mode file;
#  - a SIGKILL at each syscall of one install (strace inject, every
#    syscall occurrence of a traced run) leaves the old or the new file, and
#    no stray file.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "install tests need root"; exit 0; }
need cc strace

cd "$T"
sc keygen -o id.txt 2>/dev/null
export SECRETCTL_IDENTITY="$T/id.txt"
# two values of different lengths, so a torn file cannot pass for either
A=$(head -c 3000 /dev/zero | tr '\0' a)
B=$(head -c 1000 /dev/zero | tr '\0' b)
printf 'a: %s\nb: %s\n' "$A" "$B" > plain.yaml
sc encrypt plain.yaml -r "$(sc keygen -y id.txt)" -o s.yaml
printf %s "$A" > a.want
printf %s "$B" > b.want
mkdir -m 700 d

# ---- reinstall 1 000 times while another process reads ----
cat > reader.c <<'C'
/* reader PATH STOP A B: open+fstat+read PATH until STOP exists (and at
 * least 10 000 times); every read must be all of A or all of B, mode 0400,
 * owner 0:0. Prints "reads R changes C bad X". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static char *slurp(const char *p, size_t *n)
{
	char *o = malloc(8192); int fd = open(p, O_RDONLY); ssize_t r;
	*n = 0;
	if (!o || fd < 0) exit(2);
	while ((r = read(fd, o + *n, 8192 - *n)) > 0) *n += (size_t)r;
	close(fd); return o;
}
int main(int argc, char **argv)
{
	size_t na, nb, n; char *a, *b, buf[8192]; long reads = 0, changes = 0, bad = 0; int last = -1;
	if (argc != 5) return 2;
	a = slurp(argv[3], &na);
	b = slurp(argv[4], &nb);
	while (reads < 10000 || access(argv[2], F_OK) != 0) {
		struct stat st; ssize_t r; int fd = open(argv[1], O_RDONLY), which;
		reads++;
		if (fd < 0) { bad++; fprintf(stderr, "open failed at read %ld\n", reads); continue; }
		if (fstat(fd, &st) != 0 || (st.st_mode & 07777) != 0400 || st.st_uid || st.st_gid) {
			bad++; fprintf(stderr, "mode %o owner %u:%u at read %ld\n", st.st_mode & 07777, st.st_uid, st.st_gid, reads);
		}
		n = 0;
		while ((r = read(fd, buf + n, sizeof buf - n)) > 0) n += (size_t)r;
		close(fd);
		which = n == na && !memcmp(buf, a, na) ? 0 : n == nb && !memcmp(buf, b, nb) ? 1 : -1;
		if (which < 0) { bad++; fprintf(stderr, "%zu bytes, neither A nor B, at read %ld\n", n, reads); }
		else if (last >= 0 && which != last) changes++;
		if (which >= 0) last = which;
		/* two cores: leave the writer room, still ~5 reads per install */
		usleep(100);
	}
	printf("reads %ld changes %ld bad %ld\n", reads, changes, bad);
	return bad != 0;
}
C
if ! cc -O2 -o reader reader.c 2>cc.err; then not_ok "cannot build the reader"; diag <cc.err; exit 1; fi
sc install s.yaml -f a --dir d x
./reader d/x stop a.want b.want >reader.out 2>reader.err &
rpid=$!
t0=$(date +%s%N)
wfail=0
# under valgrind: every 100th install under memcheck (10 of the 1000)
export VG_EVERY=100
for i in $(seq 1 500); do
	sc install s.yaml -f b --dir d x || wfail=$((wfail + 1))
	sc install s.yaml -f a --dir d x || wfail=$((wfail + 1))
done
vg_sample_end
t1=$(date +%s%N)
touch stop
wait $rpid; rrc=$?
read -r _ reads _ changes _ bad <reader.out
echo "# 1000 reinstalls in $(( (t1 - t0) / 1000000 )) ms; reader: $(cat reader.out)"
assert "1000 reinstalls all succeed" [ "$wfail" = 0 ]
assert "the reader read at least 10 000 times ($reads)" [ "${reads:-0}" -ge 10000 ]
assert "the reader saw the contents alternate ($changes changes)" [ "${changes:-0}" -ge 100 ]
if [ "$rrc" = 0 ] && [ "${bad:-1}" = 0 ]; then ok "no read saw an empty, partial or wrong-mode file"
else not_ok "the reader saw bad files ($bad)"; head -20 reader.err | diag; fi
same_files() { ls -A d | tr '\n' ' ' | sed 's/ $//'; }
assert "nothing but the file in the directory" [ "$(same_files)" = x ]

# ---- SIGKILL at every syscall ----
# An ASan build makes syscalls of its own (LSan's thread, at exit), which
# differ from run to run, and LSan cannot work under ptrace.
if sanitized; then
	skip "the SIGKILL sweep needs a build without sanitizers"; exit 0
fi
# The syscalls of one install, as (name, occurrence) pairs (strace counts
# "when=N" per syscall, so "inject=all:when=N" alone would miss most of
# them). Left out: the first execve (strace's own exec of the program,
# before which nothing happened) and exit_group (a finished install).
# The traced runs are the real binary ($SECRETCTL_REAL): the kill points
# are its syscalls, not valgrind's.
reset_old() { rm -rf d; mkdir -m 700 d; cp a.want d/x; chmod 0400 d/x; }
trace_pairs() { # -> pairs.txt
	strace -f -qq -o trace.txt "$SECRETCTL_REAL" install s.yaml -f b --dir d x
	awk '{ sub(/^[0-9]+ +/, ""); if (match($0, /^[a-z_0-9]+\(/)) {
		n = substr($0, 1, RLENGTH - 1); c[n]++; if (n != "exit_group" && !(n == "execve" && c[n] == 1)) print n, c[n] } }' \
		trace.txt > pairs.txt
}
# kill_each SCENARIO: for every pair, kill there; classify what is left.
kill_each() {
	local name k rc left content
	total=0; killed=0; bad=0; strays=""; : > kills.log
	while read -r name k; do
		$1
		# in a subshell, so bash's "Killed" notice goes nowhere
		(strace -f -qq -o /dev/null -e "inject=$name:signal=KILL:when=$k" \
			"$SECRETCTL_REAL" install s.yaml -f b --dir d x >/dev/null 2>&1; echo $? >rc.txt) 2>/dev/null
		rc=$(cat rc.txt)
		total=$((total + 1))
		[ $rc = 137 ] && killed=$((killed + 1))
		left=$(ls -A d | tr '\n' ' ' | sed 's/ $//')
		content=none
		if [ -f d/x ]; then
			if cmp -s d/x a.want; then content=old; elif cmp -s d/x b.want; then content=new; else content=torn; fi
			[ "$(stat -c '%a %u:%g' d/x)" = "400 0:0" ] || content="$content-wrong-mode"
		fi
		echo "$name#$k rc=$rc file=$content dir=[$left]" >> kills.log
		case $content in old|new) ;; none) [ "$2" = create ] || bad=$((bad + 1)) ;; *) bad=$((bad + 1)) ;; esac
		[ -n "$left" ] && [ "$left" != x ] && strays="$strays $name#$k"
	done < pairs.txt
}
reset_old
trace_pairs
n=$(wc -l < pairs.txt)
start=$(date +%s)
kill_each reset_old replace
echo "# replace: $total kill points in $(( $(date +%s) - start )) s"
if [ "$killed" = "$n" ]; then ok "replace: every one of the $n syscalls was a kill point"
else not_ok "replace: $killed of $n kill points killed"; grep -v 'rc=137' kills.log | head | diag; fi
if [ "$bad" = 0 ]; then ok "replace: every kill leaves the old or the new file, 0400 root:root"
else not_ok "replace: $bad kills left a bad file"; grep -v 'file=old\|file=new' kills.log | head | diag; fi
# The one unavoidable window: Linux cannot link an O_TMPFILE over an
# existing name, so a replacement links it to a temporary name and renames
# that; a kill between the two leaves the (complete, 0400) temporary name,
# which the next install of NAME removes.
set -- $strays
if [ $# = 0 ]; then ok "replace: no kill leaves a stray file"
elif [ $# = 1 ] && [ "${1%%#*}" = renameat ]; then
	ok "replace: only a kill at the final rename leaves a stray (complete) temporary name"
	reset_old
	(strace -f -qq -o /dev/null -e "inject=${1%%#*}:signal=KILL:when=${1##*#}" \
		"$SECRETCTL_REAL" install s.yaml -f b --dir d x >/dev/null 2>&1; true) 2>/dev/null
	sc install s.yaml -f b --dir d x
	assert "replace: the next install removes it" [ "$(same_files)" = x ]
else
	not_ok "replace: kills leave stray files at:$strays"; grep -v 'dir=\[x\]' kills.log | head | diag
fi

reset_new() { rm -rf d; mkdir -m 700 d; }
reset_new
trace_pairs
n=$(wc -l < pairs.txt)
kill_each reset_new create
if [ "$killed" = "$n" ]; then ok "create: every one of the $n syscalls was a kill point"
else not_ok "create: $killed of $n kill points killed"; grep -v 'rc=137' kills.log | head | diag; fi
if [ "$bad" = 0 ]; then ok "create: every kill leaves no file or the new one, 0400 root:root"
else not_ok "create: $bad kills left a bad file"; grep -v 'file=none\|file=new' kills.log | head | diag; fi
if [ -z "$strays" ]; then ok "create: no kill leaves a stray file (O_TMPFILE linked straight to NAME)"
else not_ok "create: stray files at:$strays"; grep -v 'dir=\[x\]\|dir=\[\]' kills.log | head | diag; fi
