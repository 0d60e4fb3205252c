#!/bin/bash
# Mutation testing of the security-critical code, by hand (not part of
# make check or CI): does some test fail when a check is broken?
#
#   bash tests/mutate.sh [ID-PATTERN]     (from anywhere in the tree)
#
# Takes the committed tree (HEAD: commit first; tests/mutants.txt is read
# from the work tree), copies it into a scratch directory (git archive; the
# repository is not touched), builds it once and runs every covering test
# on it unmutated (they must pass). Then for
# each mutant of tests/mutants.txt (the format is described there) whose
# id matches ID-PATTERN (a shell pattern, default all): puts the one-line
# change into the copy, rebuilds, runs the mutant's covering tests (each
# as tests/run.sh runs it) and records "killed" (a test failed: the
# first failing line is shown) or "SURVIVED", then restores the file. At
# the end: the score (killed/run) and the survivors; exit 1 if any survived.
#
# A surviving mutant needs a test (in the tests/ file that covers that
# code), or, if no test can tell it from the original, an "equivalent:"
# line in tests/mutants.txt saying why.
#
# Environment: MUTATE_ALL=1 also runs the mutants marked "needs: root"
# (podman, users, /etc/secrets: run them alone, nothing else using those);
# MUTATE_TIMEOUT (seconds, default 300) per test run, a timeout counts as
# killed; MUTATE_KEEP=1 keeps the scratch directory; MUTATE_JOBS (default
# 2) for make; SHARED as for make check.
#
# Each mutant takes 5 to 45 s (mostly the rebuild: secretctl and every
# unit test relink). Last run, 2 cores: 35 killed of 35 run, none
# survived; 3 equivalent (listed, not run); 1 needs root (not run); about
# 9 minutes.
set -u
cd "$(dirname "$0")/.." || exit 2
SRC_TOP=$PWD
LIST=$SRC_TOP/tests/mutants.txt
PATTERN=${1:-*}
JOBS=${MUTATE_JOBS:-2}
TIMEOUT=${MUTATE_TIMEOUT:-300}
: "${SHARED:=$(dirname "$SRC_TOP")/shared}"

WORK=$(mktemp -d /tmp/secretctl-mutate.XXXXXX) || exit 2
if [ "${MUTATE_KEEP:-0}" = 1 ]; then
	trap 'echo "scratch tree kept: $WORK"' EXIT
else
	trap 'rm -rf "$WORK"' EXIT
fi
TREE=$WORK/tree
mkdir -p "$TREE" "$WORK/logs"
git -C "$SRC_TOP" archive HEAD | tar -x -C "$TREE" || { echo "mutate: git archive failed"; exit 2; }
echo "mutate: HEAD $(git -C "$SRC_TOP" rev-parse --short HEAD) in $TREE"

# The mutants, one record per line: id, file, from, to, tests, needs,
# equivalent, separated by \034.
FS=$(printf '\034')
records() {
	awk -v fs="$FS" '
	function flush() {
		if (id != "") print id fs file fs from fs to fs tests fs needs fs equiv
		id = file = from = to = tests = needs = equiv = ""
	}
	/^[ \t]*$/ { flush(); next }
	/^#/ { next }
	{
		k = $0; sub(/:.*/, "", k); v = substr($0, length(k) + 3)
		if (k == "id") id = v; else if (k == "file") file = v; else if (k == "from") from = v
		else if (k == "to") to = v; else if (k == "tests") tests = v; else if (k == "needs") needs = v
		else if (k == "equivalent") equiv = v
		else { print "mutants.txt: line " NR ": unknown key \"" k "\"" > "/dev/stderr"; bad = 1 }
	}
	END { flush(); exit bad }' "$LIST"
}
records >"$WORK/records" || exit 2

# build: the scratch tree's secretctl, unit tests and tools (warnings are
# no errors here: a mutant may well leave a result unused)
build() {
	make -C "$TREE" -j"$JOBS" WERROR=0 tests-build >"$WORK/logs/build.log" 2>&1
}
# run_tests ITEMS...: 0 when every item passes; else 1, with the first
# failing line in $WHY
run_tests() {
	local t name log rc
	WHY=""
	for t in "$@"; do
		name=${t#*/}
		log=$WORK/logs/$name.log
		rm -f "$log" "$WORK/logs/$name.rc"
		timeout -k 10 "$TIMEOUT" env TOP="$TREE" BUILD="$TREE/build" LOGDIR="$WORK/logs" \
			SECRETCTL="$TREE/build/secretctl" SECRETCTL_REAL="$TREE/build/secretctl" \
			TOOLS="$TREE/build/tests/tools" SHARED="$SHARED" CMOCKA_MESSAGE_OUTPUT=TAP LC_ALL=C \
			sh "$TREE/tests/run.sh" --item "$t"
		rc=$?
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			WHY="$t: timed out after ${TIMEOUT}s"
			return 1
		fi
		rc=$(cat "$WORK/logs/$name.rc" 2>/dev/null || echo 1)
		if grep -v -i '^not ok .*# *skip' "$log" 2>/dev/null | grep -q '^not ok'; then
			WHY="$t: $(grep -v -i '^not ok .*# *skip' "$log" | grep -m1 '^not ok')"
			return 1
		fi
		if [ "$rc" != 0 ]; then
			WHY="$t: exit status $rc"
			return 1
		fi
	done
	return 0
}

# apply FILE FROM TO: the one-line change in the scratch tree (FROM must
# be on exactly one line)
apply() {
	MUT_FROM=$2 MUT_TO=$3 awk '
	BEGIN { f = ENVIRON["MUT_FROM"]; t = ENVIRON["MUT_TO"] }
	{ i = index($0, f) }
	i { n++; $0 = substr($0, 1, i - 1) t substr($0, i + length(f)) }
	{ print }
	END { exit n == 1 ? 0 : 3 }' "$TREE/$1" >"$WORK/mutated" || return 1
	cat "$WORK/mutated" >"$TREE/$1"
}

selected() { # ID: matches PATTERN (a shell pattern on purpose)
	# shellcheck disable=SC2254
	case $1 in $PATTERN) return 0 ;; esac
	return 1
}

# --- the unmutated tree: builds, and its covering tests pass
echo "mutate: building the unmutated tree"
build || { echo "mutate: the unmutated tree does not build (see below)"; tail -20 "$WORK/logs/build.log"; exit 2; }
all_tests=$(while IFS=$FS read -r id file from to tests needs equiv; do
	selected "$id" || continue
	[ -n "$equiv" ] && continue
	[ "$needs" = root ] && [ "${MUTATE_ALL:-0}" != 1 ] && continue
	# shellcheck disable=SC2086 # one item a line
	printf '%s\n' $tests
done <"$WORK/records" | sort -u)
echo "mutate: the covering tests, unmutated: $(echo "$all_tests" | tr '\n' ' ')"
# shellcheck disable=SC2086
if ! run_tests $all_tests; then
	echo "mutate: a covering test fails without any mutant: $WHY"
	exit 2
fi

# --- each mutant
killed=0 run=0 survived="" skipped="" equivalent="" stillborn=""
while IFS=$FS read -r id file from to tests needs equiv <&3; do
	selected "$id" || continue
	if [ -n "$equiv" ]; then
		equivalent="$equivalent $id"
		printf '%-30s equivalent: %s\n' "$id" "$equiv"
		continue
	fi
	if [ "$needs" = root ] && [ "${MUTATE_ALL:-0}" != 1 ]; then
		skipped="$skipped $id"
		printf '%-30s skipped (needs %s: MUTATE_ALL=1, run alone)\n' "$id" "$needs"
		continue
	fi
	cp "$TREE/$file" "$WORK/orig"
	t0=$(date +%s)
	if ! apply "$file" "$from" "$to"; then
		echo "mutate: $id: 'from' is not on exactly one line of $file"
		exit 2
	fi
	if ! build; then
		stillborn="$stillborn $id"
		printf '%-30s does not compile (not counted)\n' "$id"
	else
		run=$((run + 1))
		# shellcheck disable=SC2086
		if run_tests $tests; then
			survived="$survived $id"
			printf '%-30s SURVIVED  (%ss; %s)\n' "$id" $(($(date +%s) - t0)) "$tests"
		else
			killed=$((killed + 1))
			printf '%-30s killed    (%ss) %s\n' "$id" $(($(date +%s) - t0)) "$WHY"
		fi
	fi
	cp "$WORK/orig" "$TREE/$file"
	touch "$TREE/$file" # newer than the mutant's objects
done 3<"$WORK/records"

# leave the tree as it was built (not needed, but a kept tree is sane)
build || true
echo
echo "score: $killed killed of $run run${equivalent:+; equivalent (not run):$equivalent}${skipped:+; skipped (needs root):$skipped}${stillborn:+; not compiling:$stillborn}"
if [ -n "$survived" ]; then
	echo "survivors:$survived"
	exit 1
fi
echo "survivors: none"
