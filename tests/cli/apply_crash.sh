#!/bin/bash
# apply, crash safety: a SIGKILL at each syscall (strace inject, every
# syscall occurrence of a traced run) of an apply that replaces three
# install files leaves each of them old or new (never torn, never with
# the wrong mode), the state file listing all three, and the next apply
# finishes the job and leaves nothing stray. (Podman secrets are left out
# of the sweep: strace -f would follow podman itself; each is one podman
# `secret create`, podman's own atomic step.)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "needs root (files owned root:root)"; exit 0; }
need strace
if sanitized; then skip "the SIGKILL sweep needs a build without sanitizers"; exit 0; fi

cd "$T"
sc keygen -o id.txt 2>/dev/null
export SECRETCTL_IDENTITY="$T/id.txt"
R=$(sc keygen -y id.txt)
# old and new values of different lengths, so a torn file passes for neither
for v in old new; do
	n=3000; [ $v = new ] && n=1000
	{
		for k in x y z; do printf '%s: %s-%s\n' "$k" "$(head -c $n /dev/zero | tr '\0' "$k")" "$v"; done
	} >plain-$v.yaml
	sc encrypt plain-$v.yaml -r "$R" -o s-$v.yaml
done
mkdir -m 700 d
printf '%s\n' "store: s.yaml" "dir: $T/d" "install:" "  x: {file: x}" "  y: {file: y}" "  z: {file: z}" >m.yaml
cp s-new.yaml s.yaml
sc apply m.yaml
for k in x y z; do cp d/$k $k.new; done
cp s-old.yaml s.yaml
sc apply m.yaml
for k in x y z; do cp d/$k $k.old; done
STATE=$(cd d && ls -A | grep '^\.secretctl-apply\.')
assert "apply made one state file" [ -n "$STATE" ]
cp "d/$STATE" state.want
cp d/x x.now
mkdir old && cp -a d/. old/
cp s-new.yaml s.yaml

reset_old() { rm -rf d; cp -a old d; }
reset_old
strace -f -qq -o trace.txt "$SECRETCTL_REAL" apply m.yaml
awk '{ sub(/^[0-9]+ +/, ""); if (match($0, /^[a-z_0-9]+\(/)) {
	n = substr($0, 1, RLENGTH - 1); c[n]++; if (n != "exit_group" && !(n == "execve" && c[n] == 1)) print n, c[n] } }' \
	trace.txt >pairs.txt
n=$(wc -l <pairs.txt)
total=0 killed=0 bad=0 after=0
: >kills.log
start=$(date +%s)
while read -r name k; do
	reset_old
	(strace -f -qq -o /dev/null -e "inject=$name:signal=KILL:when=$k" \
		"$SECRETCTL_REAL" apply m.yaml >/dev/null 2>&1; echo $? >rc.txt) 2>/dev/null
	rc=$(cat rc.txt)
	total=$((total + 1))
	[ "$rc" = 137 ] && killed=$((killed + 1))
	states=""
	for f in x y z; do
		s=torn
		cmp -s d/$f $f.old && s=old
		cmp -s d/$f $f.new && s=new
		[ "$(stat -c '%a %u:%g' d/$f 2>/dev/null)" = "400 0:0" ] || s="$s-wrong-mode"
		states="$states $f=$s"
		case $s in old|new) ;; *) bad=$((bad + 1)) ;; esac
	done
	cmp -s "d/$STATE" state.want || { bad=$((bad + 1)); states="$states state-changed"; }
	# the next run finishes: all new, nothing stray
	"$SECRETCTL_REAL" apply m.yaml >/dev/null 2>&1
	left=$(ls -A d | tr '\n' ' ')
	if ! cmp -s d/x x.new || ! cmp -s d/y y.new || ! cmp -s d/z z.new || [ "$left" != "$STATE x y z " ]; then
		after=$((after + 1)); states="$states after-rerun:[$left]"
	fi
	echo "$name#$k rc=$rc$states" >>kills.log
done <pairs.txt
echo "# $total kill points in $(( $(date +%s) - start )) s"
if [ "$killed" = "$n" ]; then ok "every one of the $n syscalls was a kill point"
else not_ok "$killed of $n kill points killed"; grep -v 'rc=137' kills.log | head | diag; fi
if [ "$bad" = 0 ]; then ok "every kill leaves each target old or new, 0400 root:root, and the state file whole"
else not_ok "$bad bad targets after kills"; grep -E 'torn|wrong|state-changed' kills.log | head | diag; fi
if [ "$after" = 0 ]; then ok "after every kill, the next apply makes all three new and leaves nothing stray"
else not_ok "$after reruns did not finish cleanly"; grep after-rerun kills.log | head | diag; fi
mixed=$(grep -c 'x=new.*z=old\|x=old.*z=new' kills.log)
assert "some kills fall between two targets (old and new side by side: $mixed)" [ "$mixed" -gt 0 ]
echo "1..$TESTNUM"
