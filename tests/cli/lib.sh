# Sourced by every CLI test script (bash). Gives a temp dir $T removed on
# exit, TAP output, and helpers. Scripts run from the top of the tree with
# $SECRETCTL, $TOOLS, $SHARED and $TOP set by tests/run.sh.
set -u
export LC_ALL=C
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD:=$TOP/build}"
: "${SECRETCTL:=$BUILD/secretctl}"
: "${TOOLS:=$BUILD/tests/tools}"
: "${SHARED:=$TOP/../shared}"
# Under `make valgrind` $SECRETCTL is a wrapper that runs secretctl under
# valgrind memcheck (tests/valgrind-wrap.sh) and $SECRETCTL_REAL the binary
# itself: a test that needs the binary's own pid, path or timing (strace,
# sudoers rules, /proc/PID, time limits) uses $SECRETCTL_REAL, with a
# comment saying why. $VG_TAG names the script's memcheck logs.
: "${SECRETCTL_REAL:=$SECRETCTL}"
VG_TAG=$(basename "$0" .sh)
export VG_TAG
T=$(mktemp -d /tmp/secretctl-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
# Keep the caller's keys and config out of tests.
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config"
mkdir -p "$HOME"
unset SECRETCTL_IDENTITY SECRETCTL_STORE SOPS_AGE_KEY_FILE CREDENTIALS_DIRECTORY \
	DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR DISPLAY
TESTNUM=0

ok() { TESTNUM=$((TESTNUM + 1)); echo "ok $TESTNUM - $*"; }
not_ok() { TESTNUM=$((TESTNUM + 1)); echo "not ok $TESTNUM - $*"; }
skip() { TESTNUM=$((TESTNUM + 1)); echo "ok $TESTNUM # SKIP $*"; }
# diag: indent as TAP comments; always ends with a line break, so the next
# "ok" starts a line of its own.
diag() { sed 's/^/# /'; echo; }

sc() { "$SECRETCTL" "$@"; }

# run CMD...: stdout to $T/out, stderr to $T/err, status in $RC.
run() { "$@" >"$T/out" 2>"$T/err"; RC=$?; }
# run_in FILE CMD...: as run, with stdin from FILE.
run_in() { local f=$1; shift; "$@" <"$f" >"$T/out" 2>"$T/err"; RC=$?; }

# assert_rc N DESC: the last run ended with status N.
assert_rc() {
	if [ "$RC" -eq "$1" ]; then ok "$2"; else
		not_ok "$2 (exit $RC, expected $1)"
		{ echo "stderr:"; head -c 2000 "$T/err"; echo "stdout:"; head -c 1000 "$T/out"; } | diag
	fi
}
# assert DESC CMD...: CMD succeeds.
assert() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# assert_err PATTERN DESC: stderr of the last run matches an extended regex.
assert_err() {
	if grep -Eq -- "$1" "$T/err"; then ok "$2"; else
		not_ok "$2 (stderr does not match /$1/)"; head -c 2000 "$T/err" | diag
	fi
}
assert_out() {
	if grep -Eq -- "$1" "$T/out"; then ok "$2"; else
		not_ok "$2 (stdout does not match /$1/)"; head -c 2000 "$T/out" | diag
	fi
}
# assert_one_line DESC: stderr is a single "secretctl: ..." line.
assert_one_line() {
	if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^secretctl: ' "$T/err"; then ok "$1"
	else not_ok "$1 (stderr is not one 'secretctl: ' line)"; head -c 2000 "$T/err" | diag; fi
}
# need_shared DIR: skip the whole script (visibly) when the external test
# data ($SHARED/testdata/DIR) is absent.
need_shared() {
	if [ ! -d "$SHARED/testdata/$1" ]; then
		skip "$SHARED/testdata/$1 is absent"; exit 0
	fi
}
# need CMD...: skip the whole script when a tool is missing.
need() {
	local c; for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { skip "$c is not installed"; exit 0; }
	done
}

# under_valgrind: true when $SECRETCTL runs secretctl under memcheck.
under_valgrind() { [ "$SECRETCTL" != "$SECRETCTL_REAL" ]; }
# sanitized: true when secretctl is an ASan/UBSan build (make asan).
sanitized() { grep -q __asan_init "$SECRETCTL_REAL" 2>/dev/null; }
# short_sweeps: true under make asan and make valgrind, which CI runs right
# after make check: the long sweeps then take a sample (make check runs
# them whole).
short_sweeps() { under_valgrind || sanitized; }
# Sampling in the sweeps, which run the same code thousands of times (a
# start under memcheck costs 0.5 to 1 s): the runs a sweep leaves out run
# the real binary, through the wrapper, which counts them for the
# "# valgrind: N of M" line. Two ways: `export VG_EVERY=K` puts every Kth
# secretctl run of the script under memcheck (pick K coprime to the number
# of runs per case, so every command gets its turn), or, case by case,
# vg_sample / vg_first. unset VG_EVERY or vg_sample_end after the sweep.
# No effect without valgrind; VG_FULL=1 puts every run under memcheck.
# vg_sample K I: case I under memcheck when I is a multiple of K.
vg_sample() { if [ $(($2 % $1)) = 0 ]; then unset VG_SKIP; else export VG_SKIP=1; fi; }
# vg_first N I: case I (counted from 1) under memcheck when I <= N.
vg_first() { if [ "$2" -le "$1" ]; then unset VG_SKIP; else export VG_SKIP=1; fi; }
vg_sample_end() { unset VG_SKIP VG_EVERY; }
# other_user_bin: for the runs as other users (runuser, sudo), which may not
# reach the build tree (a clone in a 0700 directory, as mktemp -d makes
# it): $SECRETCTL_REAL copied into a fresh world-traversable directory
# $UBIN, as $UBIN/secretctl ($USECRETCTL_REAL); $USECRETCTL is it too, or
# under make valgrind a copy of the wrapper that runs the copy under
# memcheck and logs into $UBIN/vg (anyone may write there). The script's
# cleanup calls other_user_bin_done, which hands those logs and counts to
# tests/run.sh and removes $UBIN.
other_user_bin() {
	local w vg f
	UBIN=$(mktemp -d /tmp/secretctl-bin.XXXXXX) && chmod 755 "$UBIN" &&
		cp "$SECRETCTL_REAL" "$UBIN/secretctl" && chmod 755 "$UBIN/secretctl" || return 1
	USECRETCTL_REAL=$UBIN/secretctl
	USECRETCTL=$USECRETCTL_REAL
	under_valgrind || return 0
	vg=$(dirname "$(dirname "$SECRETCTL")")
	mkdir -p "$UBIN/vg/logs" "$UBIN/vg/count" && chmod 755 "$UBIN/vg" &&
		chmod 1777 "$UBIN/vg/logs" "$UBIN/vg/count" || return 1
	w=$(cat "$SECRETCTL")
	w=${w//"vg='$vg'"/"vg='$UBIN/vg'"}
	w=${w//"'$SECRETCTL_REAL'"/"'$USECRETCTL_REAL'"}
	for f in "$TOP"/tests/valgrind*.supp; do
		[ -f "$f" ] || continue
		cp "$f" "$UBIN/" && chmod 644 "$UBIN/${f##*/}"
		w=${w//"$f"/"$UBIN/${f##*/}"}
	done
	printf '%s\n' "$w" > "$UBIN/vg/secretctl" && chmod 755 "$UBIN/vg/secretctl" || return 1
	USECRETCTL=$UBIN/vg/secretctl
}
other_user_bin_done() {
	local vg f n
	[ -n "${UBIN:-}" ] || return 0
	if [ -d "$UBIN/vg" ]; then
		vg=$(dirname "$(dirname "$SECRETCTL")")
		for f in "$UBIN/vg/count"/*; do
			case $f in *.seq | */'*') continue ;; esac
			cat "$f" >> "$vg/count/${f##*/}"
		done
		for f in "$UBIN/vg/logs"/*.log; do
			[ -f "$f" ] || continue
			n=${f##*/}
			mv "$f" "$vg/logs/${n%%.*}.user-${n#*.}"
		done
	fi
	rm -rf "$UBIN"
}
# private_tmpfs NAME: skip the script unless /dev/shm is tmpfs; else $SHM is
# a private directory there (removed on exit) and the only tmpfs root
# secretctl may use, so "nothing left behind" can be checked.
private_tmpfs() {
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" != tmpfs ]; then
		skip "/dev/shm is not tmpfs here (edit needs one)"; exit 0
	fi
	SHM=$(mktemp -d "/dev/shm/secretctl-$1.XXXXXX")
	trap 'rm -rf "$T" "$SHM"' EXIT
	export SECRETCTL_TMPFS_ROOTS=$SHM
}
# quadlet_fetch: $QUADLET is the quadlet generator of Debian 13's podman
# (5.4; Debian 12's podman 4.3 has none), cached in $BUILD/cache/quadlet/.
# It is fetched with apt-get download from the mirror of
# /etc/apt/sources.list.d/debian.sources, in a private apt state (the
# system's sources and lists are not touched), and only unpacked
# (dpkg-deb -x): nothing is installed. Returns 1 with the reason in
# $QUADLET_WHY when it cannot be had (offline, no apt-get): skip then.
quadlet_fetch() {
	local c="$BUILD/cache/quadlet" d uri a
	QUADLET=$c/quadlet QUADLET_WHY=""
	[ -x "$QUADLET" ] && return 0
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		{ QUADLET_WHY="apt-get or dpkg-deb is missing"; return 1; }
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	[ -n "$uri" ] || { QUADLET_WHY="no Debian mirror in /etc/apt/sources.list.d/debian.sources"; return 1; }
	mkdir -p "$c" && d=$(mktemp -d "$c/fetch.XXXXXX") || { QUADLET_WHY="cannot make $c"; return 1; }
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" >"$d/trixie.list"
	a="-o Dir::Etc::SourceList=$d/trixie.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$d/lists"
	a="$a -o Dir::Cache=$d/cache -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
	if ! timeout 300 apt-get $a update -qq >"$d/log" 2>&1 ||
		! (cd "$d" && timeout 300 apt-get $a download podman) >>"$d/log" 2>&1 ||
		! dpkg-deb -x "$d"/podman_*.deb "$d/x" >>"$d/log" 2>&1 ||
		! mv "$d/x/usr/libexec/podman/quadlet" "$QUADLET"; then
		QUADLET_WHY="cannot fetch Debian 13's podman (offline?): $(grep -m1 -E 'Err|E:|W:' "$d/log")"
		rm -rf "$d"
		return 1
	fi
	rm -rf "$d"
}
# nasty_store DIR: a store DIR/s.yaml (identity DIR/id.txt, exported as
# $SECRETCTL_IDENTITY) whose values are what quoting gets wrong: nasty/bN
# is the single byte N (1-255), and nasty/NAME for the names in
# $NASTY_NAMES (quotes, line breaks, a trailing newline, unicode, "{{").
# DIR/v/KEY holds each value's bytes, for oracles.
NASTY_NAMES="quotes dq nl trail crlf uni empty braces dollar mixed"
nasty_store() {
	local d=$1
	mkdir -p "$d/v" || return 1
	python3 - "$d" <<'PY' || return 1
import base64, os, sys
d = sys.argv[1]
vals = {"b%d" % b: bytes([b]) for b in range(1, 256)}
vals.update({
    "quotes": b"it's \"quoted\" 'twice'",
    "dq": b'"',
    "nl": b"line one\nline two\n\nend",
    "trail": b"value with a newline\n",
    "crlf": b"dos\r\nline\r\n",
    "uni": "caf\u00e9 \u2028 \u0085 \ufeff \U0001f511 \u00a0end".encode(),
    "empty": b"",
    "braces": b"{{ nasty/quotes }} and }} {{",
    "dollar": b"$HOME `id` $(id) \\n \\",
    "mixed": b"-----BEGIN KEY-----\n\tA:B #c\n'\"\\\n-----END KEY-----\n",
})
with open(os.path.join(d, "plain.yaml"), "w") as f:
    f.write("nasty:\n")
    for k, v in vals.items():
        f.write("  %s: !!binary %s\n" % (k, base64.b64encode(v).decode() if v else '""'))
        with open(os.path.join(d, "v", k), "wb") as o:
            o.write(v)
PY
	sc keygen -o "$d/id.txt" 2>/dev/null &&
		sc encrypt "$d/plain.yaml" -r "$(sc keygen -y "$d/id.txt")" -o "$d/s.yaml" || return 1
	rm -f "$d/plain.yaml"
	export SECRETCTL_IDENTITY=$d/id.txt
}
