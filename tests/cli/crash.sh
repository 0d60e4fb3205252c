#!/bin/bash
# Crash consistency of the store writers: set, edit (scripted editor),
# rotate, recipients add, recipients rm. For each, the syscalls of one
# clean traced run are listed as (name, occurrence) pairs (strace counts
# "when=N" per syscall, as in install_crash.sh), then the command is run
# once per pair with a SIGKILL injected there. After each kill:
#  - the store is byte for byte the old one, or it is the new one: it
#    verifies, decrypts to the new plaintext, has the new recipients and
#    equals the clean run's new version outside the random parts (token
#    payloads, data-key armor, mac: fresh nonces make every run differ);
#  - a temp file ".NAME.secretctl-*.tmp" left by the kill is gone after the
#    next secretctl run that writes the store, and that run succeeds;
#  - (edit) a workspace left under the tmpfs root is gone after the next
#    `secretctl edit`, which removes the workspaces of dead processes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need strace setsid sed cmp
# ASan/LSan make syscalls of their own that differ from run to run, and
# LSan cannot run under ptrace.
if sanitized; then
	skip "the SIGKILL sweep needs a build without sanitizers"; exit 0
fi
private_tmpfs crash-test
unset VISUAL EDITOR TMPDIR

cd "$T"
sc keygen -o id1.txt 2>/dev/null
sc keygen -o id2.txt 2>/dev/null
R1=$(sc keygen -y id1.txt); R2=$(sc keygen -y id2.txt)
printf 'app:\n  a: one\n  b: two\n  c: three\n' > plain.yaml
sc init base1.yaml --from plain.yaml -r "$R1" 2>/dev/null
cp base1.yaml base2.yaml
sc recipients add base2.yaml "$R2" -i id1.txt 2>/dev/null
printf 'new-value-42' > v.txt
mkdir w
SED_EDIT='sed -i s/three/drei/'

# OP: the command's arguments after the store, and its base store
op_args() {
	case $1 in
	set) echo "set w/s.yaml app/a --value-file v.txt -i id1.txt" ;;
	edit) echo "edit w/s.yaml -i id1.txt" ;;
	rotate) echo "rotate w/s.yaml -i id1.txt" ;;
	radd) echo "recipients w/s.yaml add $R2 -i id1.txt" ;;
	rrm) echo "recipients w/s.yaml rm $R2 -i id1.txt" ;;
	esac
}
op_base() { case $1 in rrm) echo base2.yaml ;; *) echo base1.yaml ;; esac; }
op_name() { case $1 in radd) echo "recipients add" ;; rrm) echo "recipients rm" ;; *) echo "$1" ;; esac; }
# run_op OP [STRACE OPTIONS...]: one run, stdio to /dev/null. edit has no
# controlling terminal and its editor is not traced (no -f: the kill
# points are secretctl's own syscalls); the others are traced with -f.
# The traced runs are the real binary: the kill points are its syscalls,
# not valgrind's. Under valgrind, the runs after each kill (the checks,
# the next writer, the next edit) are under memcheck for the first kill of
# each operation that changed the store, the first that left a temp file
# and the first that left a workspace (vg_first), so every path they take
# runs under memcheck; after the other kills, the real binary.
run_op() {
	local op=$1; shift
	if [ "$op" = edit ]; then
		EDITOR=$SED_EDIT setsid -w strace -qq "$@" "$SECRETCTL_REAL" $(op_args edit) </dev/null >/dev/null 2>&1
	else
		strace -f -qq "$@" "$SECRETCTL_REAL" $(op_args "$op") </dev/null >/dev/null 2>&1
	fi
}
# the store without its random parts
mask() { sed -E 's#!enc [A-Za-z0-9+/=]+#!enc X#; s#^( *mac: ).*#\1X#; s#^ +[A-Za-z0-9+/=]+$#X#' "$1"; }
reset() { rm -rf w "${SHM:?}"/* "$SHM"/.[!.]* 2>/dev/null; mkdir w; cp "$1" w/s.yaml; }
tmps() { ls -A w | grep -E '^\.s\.yaml\.secretctl-.*\.tmp$' | tr '\n' ' '; }
wss() { ls -A "$SHM" | tr '\n' ' '; }

TOTAL_START=$(date +%s)
summary=""
for op in set edit rotate radd rrm; do
	name=$(op_name "$op"); base=$(op_base "$op")
	# the new version, from a clean traced run; its syscalls as pairs
	reset "$base"
	run_op "$op" -o trace.txt; rc=$?
	if [ $rc != 0 ] || cmp -s w/s.yaml "$base"; then
		not_ok "$name: a clean traced run changes the store (exit $rc)"; continue
	fi
	cp w/s.yaml new.yaml
	sc decrypt new.yaml -i id1.txt > new.plain
	sc recipients new.yaml > new.recipients
	mask new.yaml > new.masked
	awk '{ sub(/^[0-9]+ +/, ""); if (match($0, /^[a-z_0-9]+\(/)) {
		n = substr($0, 1, RLENGTH - 1); c[n]++; if (n != "exit_group" && !(n == "execve" && c[n] == 1)) print n, c[n] } }' \
		trace.txt > pairs.txt
	n=$(wc -l < pairs.txt)
	start=$(date +%s)
	total=0; killed=0; old=0; new=0; bad=0; left_tmp=0; left_ws=0; not_cleaned=0; next_fail=0; changed=0
	: > kills.log
	while read -r sys k; do
		reset "$base"
		# in a subshell, so bash's "Killed" notice goes nowhere
		(run_op "$op" -o /dev/null -e "inject=$sys:signal=KILL:when=$k"; echo $? > rc.txt) 2>/dev/null
		rc=$(cat rc.txt)
		total=$((total + 1))
		[ "$rc" = 137 ] && killed=$((killed + 1))
		if cmp -s w/s.yaml "$base"; then state=old; old=$((old + 1))
		else
			changed=$((changed + 1)); vg_first 1 $changed
			if sc verify w/s.yaml -i id1.txt >/dev/null 2>&1 &&
				sc decrypt w/s.yaml -i id1.txt 2>/dev/null | cmp -s - new.plain &&
				sc recipients w/s.yaml 2>/dev/null | cmp -s - new.recipients &&
				mask w/s.yaml | cmp -s - new.masked; then state=new; new=$((new + 1))
			else state=BAD; bad=$((bad + 1)); fi
		fi
		t=$(tmps); ws=$(wss); extra=""
		if [ -n "$t" ]; then
			left_tmp=$((left_tmp + 1)); vg_first 1 $left_tmp
			# the next writer (a real change, so the save happens)
			if ! sc set w/s.yaml app/z --value-file v.txt -i id1.txt >/dev/null 2>&1 ||
				! sc verify w/s.yaml -i id1.txt >/dev/null 2>&1; then
				next_fail=$((next_fail + 1)); extra="$extra next-set-failed"
			fi
			[ -n "$(tmps)" ] && { not_cleaned=$((not_cleaned + 1)); extra="$extra tmp-not-removed:$(tmps)"; }
		fi
		if [ -n "$ws" ]; then
			left_ws=$((left_ws + 1)); vg_first 1 $left_ws
			EDITOR=true setsid -w "$SECRETCTL" edit w/s.yaml -i id1.txt </dev/null >/dev/null 2>&1 ||
				{ next_fail=$((next_fail + 1)); extra="$extra next-edit-failed"; }
			[ -n "$(wss)" ] && { not_cleaned=$((not_cleaned + 1)); extra="$extra ws-not-removed:$(wss)"; }
		fi
		echo "$sys#$k rc=$rc store=$state tmp=[$t] ws=[$ws]$extra" >> kills.log
		vg_sample_end
	done < pairs.txt
	secs=$(( $(date +%s) - start ))
	echo "# $name: $n kill points (all of them), $killed killed, store old $old / new $new / bad $bad; a temp file left by $left_tmp, a workspace by $left_ws; $secs s"
	echo "# $name: kills that left a temp file: $(grep 'tmp=\[[^]]' kills.log | cut -d' ' -f1 | tr '\n' ' ')"
	summary="$summary$name=$n, "
	if [ "$killed" = "$n" ]; then ok "$name: every one of the $n syscalls was a kill point"
	else not_ok "$name: $killed of $n kill points killed"; grep -v 'rc=137' kills.log | head | diag; fi
	if [ "$bad" = 0 ]; then ok "$name: every kill leaves the old store (byte for byte) or the new one ($old old, $new new)"
	else not_ok "$name: $bad kills left a store that is neither old nor new"; grep 'store=BAD' kills.log | head | diag; fi
	assert "$name: some kills came after the rename ($new leave the new store)" [ "$new" -gt 0 ]
	if [ "$not_cleaned" = 0 ] && [ "$next_fail" = 0 ]; then
		ok "$name: the next run removes what a kill left ($left_tmp temp files, $left_ws workspaces) and succeeds"
	else
		not_ok "$name: $not_cleaned kills left files the next run did not remove, $next_fail next runs failed"
		grep -E 'not-removed|failed' kills.log | head | diag
	fi
	case $op in
	edit) assert "edit: some kills left a workspace for the next edit to remove ($left_ws)" [ "$left_ws" -gt 0 ] ;;
	*) assert "$name: some kills left a temp file for the next writer to remove ($left_tmp)" [ "$left_tmp" -gt 0 ] ;;
	esac
done
echo "# kill points: ${summary%, }; whole sweep $(( $(date +%s) - TOTAL_START )) s"

# ---- what the next writer removes: only this store's temp files
reset base1.yaml
touch w/.s.yaml.secretctl-0123456789abcdef.tmp w/.s.yaml.secretctl-0123456789ABCDEF.tmp \
	w/.s.yaml.secretctl-0123456789abcde.tmp w/.other.yaml.secretctl-0123456789abcdef.tmp \
	w/.s.yaml.secretctl-0123456789abcdef.tmp~ w/target
mkdir w/.s.yaml.secretctl-fedcba9876543210.tmp
ln -s target w/.s.yaml.secretctl-00112233445566ff.tmp
sc set w/s.yaml app/z --value-file v.txt -i id1.txt
assert "the next writer removes a stale temp file of the store" [ ! -e w/.s.yaml.secretctl-0123456789abcdef.tmp ]
kept=$(ls -A w | grep -c secretctl-)
assert "... and keeps look-alikes: upper-case or short hex, another store's, a suffix, a directory, a symlink ($kept of 6 kept)" [ "$kept" = 6 ]
reset base1.yaml
touch w/.s.yaml.secretctl-0123456789abcdef.tmp
sc verify w/s.yaml -i id1.txt >/dev/null 2>&1
sc recipients w/s.yaml >/dev/null 2>&1
assert "readers (no lock) leave temp files alone" [ -e w/.s.yaml.secretctl-0123456789abcdef.tmp ]
