#!/bin/sh
# make fuzz [FUZZ_SECONDS=N]: builds every libFuzzer harness tests/fuzz/fuzz_*.c
# with clang (fuzzer, ASan, UBSan) against the library sources, seeds it
# from the tests and $SHARED/testdata, replays tests/fuzz/regress/NAME/*
# (every input a harness ever crashed on), then fuzzes each harness for N
# seconds, FUZZ_JOBS of them at a time.
#
#   sh tests/fuzz/run.sh [SECONDS]     (default 30)
#
# Environment:
#   FUZZ_JOBS=2      harnesses built and run at the same time
#   FUZZ_OUT=DIR     work directory (default build-fuzz): objects, harness
#                    binaries, seeds-NAME (remade each run), corpus-NAME (kept
#                    between runs), NAME.log, crash-NAME-*, summary.txt
#   FUZZ_ONLY="a b"  only these harnesses (names without .c)
#   FUZZ_FRESH=1     drop corpus-NAME first (start from the seeds alone)
#   SECRETCTL=BIN    a built secretctl, to make encrypted seed stores
#                    (default build/secretctl)
#   SHARED=DIR       the external test data (testdata/age-cctv and yaml-test-suite seeds)
#
# $FUZZ_OUT/summary.txt has one line per harness:
#   NAME SECONDS EXECUTIONS CORPUS RESULT
# SECONDS is the wall time of the fuzzing run, EXECUTIONS libFuzzer's
# number_of_executed_units, CORPUS the inputs in its corpus at the end,
# RESULT "ok", "crash:FILE" (the input is FILE), "regress:FILE" (a
# regression input fails again) or "build" (did not compile).
# Exit: 0 when every harness is ok, 1 on any failure, 77 when clang cannot
# build a libFuzzer binary here (the first line says why).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$TOP/../shared}
OUT=${FUZZ_OUT:-$TOP/build-fuzz}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
JOBS=${FUZZ_JOBS:-2}
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -I$TOP/include -I$TOP/cmd $SAN"
PKG_CFLAGS=$(pkg-config --cflags yaml-0.1 libsodium)
LIBS="$(pkg-config --libs yaml-0.1 libsodium) -ldl"
# an identity whose recipient every seed store has a slot for (the demo's),
# copied mode 0600: secretctl refuses an identity file others can read
mkdir -p "$OUT"
DEMO_ID=$OUT/demo-identity.txt
rm -f "$DEMO_ID"; install -m 600 "$TOP/examples/demo/identity.txt" "$DEMO_ID"
FUZZ_OUT=$OUT
export TOP SHARED OUT FUZZ_OUT CC CFLAGS PKG_CFLAGS LIBS DEMO_ID

# ---- one harness (run by xargs, several at once) ----------------------------

# link NAME: the harness binary, against the library archive. A harness may
# ask for link flags in a line "FUZZ_LDFLAGS: ..." of its source.
link() {
	src=$TOP/tests/fuzz/$1.c
	if [ -x "$OUT/$1" ] && [ "$OUT/$1" -nt "$src" ] && [ "$OUT/$1" -nt "$OUT/lib/libfuzz.a" ] &&
		[ -z "$(find "$TOP"/tests/fuzz "$TOP"/tests/tools -name '*.h' -newer "$OUT/$1" | head -1)" ]; then
		return 0
	fi
	ld=$(sed -n 's/.*FUZZ_LDFLAGS: *//p' "$src" | sed 's/ *\*\/.*//')
	# shellcheck disable=SC2086
	$CC $CFLAGS -fsanitize=fuzzer $PKG_CFLAGS -o "$OUT/$1.tmp" "$src" "$OUT/lib/libfuzz.a" \
		$ld $LIBS >"$OUT/$1.build.log" 2>&1 && mv "$OUT/$1.tmp" "$OUT/$1"
}

# seed NAME: fill $OUT/seeds-NAME (made anew each run; deterministic).
seed() {
	c=$OUT/seeds-$1
	rm -rf "$c"; mkdir -p "$c"
	case $1 in
	fuzz_age)
		if [ -d "$SHARED/testdata/age-cctv" ]; then
			for v in "$SHARED"/testdata/age-cctv/*; do
				grep -q '^compressed:' "$v" 2>/dev/null && continue
				sed '1,/^$/d' "$v" > "$c/$(basename "$v")" 2>/dev/null || true
			done
		fi ;;
	fuzz_splice|fuzz_splice_fast|fuzz_yedit|fuzz_set)
		cp "$TOP"/tests/data/*.yaml "$TOP"/examples/demo/secret.yaml "$c/" 2>/dev/null || true
		n=400; [ "$1" = fuzz_set ] && n=100
		if [ -d "$SHARED/testdata/yaml-test-suite" ]; then
			find "$SHARED/testdata/yaml-test-suite" -name in.yaml | LC_ALL=C sort | head -$n |
			while read -r f; do cp "$f" "$c/$(echo "$f" | md5sum | cut -c1-12)"; done
		fi
		if [ "$1" = fuzz_set ]; then # values: first byte picks the place, the rest is the value
			i=0
			for v in 'plain' '' ' lead' 'trail ' 'a: b' 'x #y' '- item' '#' 'null' '~' \
				"it's" '"q"' 'multi\nline\n' 'two\n\n' '\n' 'no end\nx' '\tab' 'cr\r\nlf' \
				'\0nul' '\377\376bin' 'caf\303\251' '[a, b]' '{k: v}' '|' '>' '*x' '&a b' \
				'  indented\n  more\n' 'x\n  y\n'; do
				for p in $(seq 0 22); do
					printf "\\$(printf %03o $p)$v" > "$c/v$i-$p"
				done
				i=$((i + 1))
			done
		fi ;;
	fuzz_path) printf 'app/env/DB' > "$c/a"; printf 'a~1b/~0c/0' > "$c/b"
		printf '' > "$c/c"; printf '/a//b/' > "$c/d"; printf 'k\377\376/~2' > "$c/e" ;;
	fuzz_pdriver) # references as secretctl podman --driver shell writes them
		printf 'secretctl-ref/1 /home/alice/s.yaml f app/tls.key\n' > "$c/a"
		printf 'secretctl-ref/1 /s%%2c%%20x.yaml e app/env/DB /id.txt /b%%25.txt' > "$c/b"
		printf 'secretctl-ref/1 /s.yaml f a~1b/0\n' > "$c/c"
		printf 'hunter2\n' > "$c/d" ;;
	fuzz_envfmt) # dialect byte, then values (see the harness)
		i=0
		for v in 'plain' 'with space' "it's" 'a"b\\c`d$e' 'multi\nline' 'tab\there' \
			'caf\303\251' '\357\267\220' '\377bad' ' lead' 'trail ' '"quoted' 'cr\r' ''; do
			for d in 0 1 2 3 4; do
				printf "\\$(printf %03o $d)\\001$v" > "$c/v$i-$d"
				printf "\\$(printf %03o $d)\\003$v\\000second\\000$v" > "$c/w$i-$d"
			done
			i=$((i + 1))
		done ;;
	fuzz_template)
		printf 'a = {{ app/x | trim | json }}\nb={{app/y}}}}{{ "{{" }}end' > "$c/a"
		printf 'k: {{ k | yaml }}\nv={{ v | sh }}\n{{ x | trim | trim | raw }}' > "$c/b"
		printf '{{ a\n}}' > "$c/c"; printf '{{ | json }}' > "$c/d"; printf '{{ a | jsno }}' > "$c/e"
		printf '\303\251\000\377{{ a | json }}' > "$c/f" ;;
	fuzz_identity) seed_identity "$c"; cp "$TOP"/tests/data/ssh/ed25519 "$c/ssh-ed25519" ;;
	fuzz_sshsig) # 0: a blob the harness armors; 1: a signature; else allowed_signers
		for g in "$TOP"/tests/data/ssh/msg.*.sig; do
			{ printf '\001'; cat "$g"; } > "$c/$(basename "$g")"
			{ printf '\000'; sed '1d;$d' "$g" | base64 -d; } > "$c/blob-$(basename "$g")"
		done
		printf '\002# c\nadmin namespaces="secretctl",valid-after="20200101",valid-before="20991231Z" %s admin\n"a b" cert-authority %s\nrsa ssh-rsa AAAA\n' \
			"$(cut -d' ' -f1,2 "$TOP/tests/data/ssh/ed25519.pub")" \
			"$(cut -d' ' -f1,2 "$TOP/tests/data/ssh/ed25519.pub")" > "$c/allowed" ;;
	fuzz_sshkey) # odd first byte: the file as it is; even: a blob the harness armors
		for k in "$TOP"/tests/data/ssh/*; do
			{ printf '\001'; cat "$k"; } > "$c/$(basename "$k")"
		done
		for k in ed25519 ed25519_encrypted rsa; do
			{ printf '\000'; sed '1d;$d' "$TOP/tests/data/ssh/$k" | base64 -d; } > "$c/blob-$k"
		done ;;
	fuzz_manifest) # the manifests of the tests and examples
		for f in "$TOP"/examples/*/*.apply.yaml "$TOP"/tests/data/manifest/*.yaml; do
			[ -f "$f" ] && cp "$f" "$c/$(basename "$f")"
		done
		printf 'store: s\ninstall:\n  a.env: {env: app/env, format: podman, restart: [a.service]}\n  k: {file: d/k, reader: [53], mode: "0440", mkdir: true}\npodman:\n  - {env: app/env, prefix: app_, label: {k: v}}\n  - {file: a/pw, name: pw, driver: shell}\n' > "$c/full" ;;
	fuzz_store) seed_store "$c" ;;
	fuzz_cli) seed_store "$c"; cp "$TOP"/tests/fuzz/regress/fuzz_store/* "$c/" 2>/dev/null || true ;;
	*) printf 'seed' > "$c/seed" ;;
	esac
	# every regression input is a seed too
	if [ -d "$TOP/tests/fuzz/regress/$1" ]; then
		cp "$TOP/tests/fuzz/regress/$1"/* "$c/" 2>/dev/null || true
	fi
}

seed_identity() { # identity files: as keygen writes them, commented, CRLF, several
	c=$1 demo=$DEMO_ID
	cp "$demo" "$c/demo"
	sed 's/$/\r/' "$demo" > "$c/demo-crlf"
	grep -v '^#' "$demo" | tr -d '\n' > "$c/bare-no-newline"
	k1=AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0
	if [ -d "$SHARED/testdata/age-cctv" ]; then # the vectors' identities
		grep -ah '^identity: AGE-SECRET-KEY-1' "$SHARED"/testdata/age-cctv/* | LC_ALL=C sort -u |
		sed 's/^identity: //' > "$c/cctv-ids"
		head -1 "$c/cctv-ids" > "$c/cctv-one"
		# the vectors' scrypt files (work factor 10 at most: cheap) as
		# passphrase-encrypted identity files
		for v in "$SHARED"/testdata/age-cctv/scrypt*; do
			[ -f "$v" ] || continue
			grep -q '^compressed:' "$v" && continue
			sed '1,/^$/d' "$v" > "$c/enc-$(basename "$v")"
		done
	fi
	{ echo "# created: 2024-01-01T00:00:00Z"; echo "# public key: age1xxx"; echo "$k1"
	  echo; echo "   # indented comment"; echo "  $k1  "; tail -1 "$demo"; } > "$c/several"
	printf '%s\r\n\r\n# c\r\n%s' "$k1" "$(tail -1 "$demo")" > "$c/several-crlf"
	printf '%s\n%s\n' "$k1" "$(echo "$k1" | tr A-Z a-z)" > "$c/lowercase-second"
	printf 'AGE-PLUGIN-YUBIKEY-1XXXX\n' > "$c/plugin"
	printf 'password\n' > "$c/passphrase"
	printf 'password\r\nsecond line\n' > "$c/passphrase-crlf"
	# with the built tools: a fresh keygen file, and passphrase-encrypted
	# identity files (work factor 10, passphrase "password": the harness's)
	if sc=$(secretctl_bin); then
		"$sc" keygen -o "$c/keygen" >/dev/null 2>&1 || true
	fi
	at=${TOOLS:-$TOP/build/tests/tools}/agetool
	if [ -x "$at" ]; then
		printf password > "$OUT/seeds-pass"
		"$at" encrypt -p "$OUT/seeds-pass" --log-n 10 < "$c/several" > "$c/enc-several" 2>/dev/null || true
		"$at" encrypt -a -p "$OUT/seeds-pass" --log-n 10 < "$demo" > "$c/enc-demo-armored" 2>/dev/null || true
		rm -f "$OUT/seeds-pass"
	fi
}

# secretctl_bin: print the path of a runnable secretctl, or fail.
secretctl_bin() {
	for b in "${SECRETCTL:-}" "$TOP/build/secretctl"; do
		[ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
	done
	return 1
}

seed_store() { # stores encrypted to the demo identity (the harness holds it)
	c=$1
	cp "$TOP/examples/demo/secret.yaml" "$c/demo-store"
	sc=$(secretctl_bin) || { echo "fuzz: no secretctl binary (make): the demo store is the only encrypted seed" >&2; return 0; }
	r=$("$sc" keygen -y "$DEMO_ID")
	r2=age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p # age's spec example
	tmp=$OUT/seedtmp-fuzz_store
	rm -rf "$tmp"; mkdir -p "$tmp"
	{
		ls "$TOP"/tests/data/*.yaml "$TOP"/examples/demo/secret.yaml
		if [ -d "$SHARED/testdata/yaml-test-suite" ]; then
			find "$SHARED/testdata/yaml-test-suite" -name in.yaml | LC_ALL=C sort | head -150
		fi
	} > "$tmp/list"
	"$sc" decrypt -i "$DEMO_ID" "$TOP/examples/demo/secret.yaml" > "$tmp/demo-plain.yaml" 2>/dev/null &&
		echo "$tmp/demo-plain.yaml" >> "$tmp/list"
	i=0
	while read -r f; do
		i=$((i + 1))
		grep -q '!enc' "$f" && continue
		"$sc" encrypt "$f" -r "$r" -o "$c/s$i" >/dev/null 2>&1 || continue
		case $i in *[05]) # a few with two slots, CRLF, no final newline
			"$sc" encrypt "$f" -r "$r2" -r "$r" -o "$c/s$i-two" >/dev/null 2>&1 || true
			sed 's/$/\r/' "$f" > "$tmp/crlf.yaml"
			"$sc" encrypt "$tmp/crlf.yaml" -r "$r" -o "$c/s$i-crlf" >/dev/null 2>&1 || true
			printf '%s' "$(cat "$f")" > "$tmp/nonl.yaml"
			"$sc" encrypt "$tmp/nonl.yaml" -r "$r" -o "$c/s$i-nonl" >/dev/null 2>&1 || true ;;
		esac
	done < "$tmp/list"
	# a passphrase slot next to the X25519 one (not opened: the harness has no passphrase)
	printf 'password\n' > "$tmp/pass"
	"$sc" encrypt "$TOP/tests/data/sample.yaml" -r "$r" --passphrase --work-factor 10 \
		--passphrase-file "$tmp/pass" -o "$c/scrypt-and-x25519" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}

# one NAME SECONDS: link, seed, replay the regression inputs, fuzz; writes
# $OUT/NAME.result (the summary line). A failing regression input is
# reported and the harness is fuzzed all the same.
one() {
	name=$1 secs=$2
	res=$OUT/$name.result
	rm -f "$res" "$OUT"/crash-"$name"-*
	if ! link "$name"; then
		echo "fuzz: $name does not build (see $OUT/$name.build.log)"
		tail -20 "$OUT/$name.build.log"
		echo "$name 0 0 0 build" > "$res"; return 0
	fi
	seed "$name"
	reg=$TOP/tests/fuzz/regress/$name regfail=""
	: > "$OUT/$name.regress.log"
	if [ -d "$reg" ]; then
		for f in "$reg"/*; do
			[ -f "$f" ] || continue
			if ! (cd "$OUT" && "./$name" -timeout=25 "$f" >>"$OUT/$name.regress.log" 2>&1); then
				echo "fuzz: $name FAILS on regression input $f (see $OUT/$name.regress.log)"
				grep -E 'ERROR|SUMMARY|#[0-9] ' "$OUT/$name.regress.log" | head -12
				regfail=${regfail:-$f}
			fi
		done
	fi
	[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$OUT/corpus-$name"
	mkdir -p "$OUT/corpus-$name"
	t0=$(date +%s)
	rc=0
	(cd "$OUT" && "./$name" -max_total_time="$secs" -timeout=25 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/crash-$name-" \
		"corpus-$name" "seeds-$name" >"$name.log" 2>&1) || rc=$?
	t1=$(date +%s)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$name.log" | tail -1)
	corp=$(grep -o 'corp: [0-9]*' "$OUT/$name.log" | tail -1 | sed 's/corp: //')
	crash=$(ls "$OUT"/crash-"$name"-* 2>/dev/null | head -1)
	line="$name $((t1 - t0)) ${runs:-0} ${corp:-0}"
	if [ "$rc" -ne 0 ] || [ -n "$crash" ]; then
		echo "fuzz: $name FAILED (exit $rc; see $OUT/$name.log)"
		grep -E -A12 '^==[0-9]+==ERROR|^SUMMARY|deadly signal|Test unit written' "$OUT/$name.log" | head -40
		echo "$line crash:${crash:-exit-$rc}" > "$res"
	elif [ -n "$regfail" ]; then
		echo "fuzz: $name ok, ${runs:-0} executions in $((t1 - t0)) s, but a regression input fails"
		echo "$line regress:$regfail" > "$res"
	else
		echo "fuzz: $name ok, ${runs:-0} executions in $((t1 - t0)) s"
		echo "$line ok" > "$res"
	fi
}

if [ "${1:-}" = --one ]; then
	set +e # a failing step is reported in the harness's result, not fatal
	one "$2" "$3"
	[ -f "$OUT/$2.result" ] || echo "$2 0 0 0 failed" > "$OUT/$2.result"
	exit 0
fi

# ---- main -------------------------------------------------------------------
SECONDS_EACH=${1:-30}
mkdir -p "$OUT/lib"
rm -f "$OUT/summary.txt"
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: skipped: $CC is not installed (scripts/deps.sh installs clang)"; exit 77
fi
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	> "$OUT/lib/probe.c"
# shellcheck disable=SC2086
if ! $CC $SAN -fsanitize=fuzzer -o "$OUT/lib/probe" "$OUT/lib/probe.c" >"$OUT/lib/probe.log" 2>&1; then
	echo "fuzz: skipped: $CC cannot link a libFuzzer binary (libclang-rt-dev missing?): $(head -1 "$OUT/lib/probe.log")"
	exit 77
fi

# The library, once for every harness (coverage-instrumented, no main):
# src/, and cmd/ as cmd_NAME.o for fuzz_cli (main.c's main renamed, so
# cli_find and the command table link without it); rebuilt when a
# source, a header or this script is newer than the archive.
lib=$OUT/lib/libfuzz.a
if [ ! -f "$lib" ] || [ -n "$(find "$TOP/src" "$TOP/cmd" "$TOP/include" "$0" -newer "$lib" 2>/dev/null | head -1)" ]; then
	echo "fuzz: building the library ($JOBS jobs)"
	rm -f "$OUT"/lib/*.o "$lib"
	# shellcheck disable=SC2016
	if ! ls "$TOP"/src/*.c "$TOP"/cmd/*.c | xargs -P "$JOBS" -I{} sh -c \
		'case $1 in */cmd/*) o=cmd_$(basename "$1" .c) x="-Dmain=secretctl_main -DSECRETCTL_VERSION=\"fuzz\"" ;;
		*) o=$(basename "$1" .c) x= ;; esac
		$CC $CFLAGS -fsanitize=fuzzer-no-link $PKG_CFLAGS -Wno-string-plus-int $x -c "$1" -o "$OUT/lib/$o.o"' \
		_ {}; then
		echo "fuzz: the library does not build"; exit 1
	fi
	ar rcs "$lib" "$OUT"/lib/*.o
fi

names=""
for h in "$TOP"/tests/fuzz/fuzz_*.c; do
	n=$(basename "$h" .c)
	if [ -n "${FUZZ_ONLY:-}" ]; then
		case " $FUZZ_ONLY " in *" $n "*) ;; *) continue ;; esac
	fi
	names="$names $n"
done
[ -d "$SHARED/testdata" ] ||
	echo "fuzz: $SHARED/testdata is absent: no age-cctv or yaml-test-suite seeds (fewer seeds)"
echo "fuzz:$names: ${SECONDS_EACH}s each, $JOBS at a time"
# shellcheck disable=SC2086
for n in $names; do rm -f "$OUT/$n.result"; done
printf '%s\n' $names | xargs -P "$JOBS" -I{} sh "$0" --one {} "$SECONDS_EACH" ||
	echo "fuzz: a harness run failed (xargs exit $?)"

status=0
{
	for n in $names; do
		if [ -f "$OUT/$n.result" ]; then cat "$OUT/$n.result"; else echo "$n 0 0 0 missing"; fi
	done
} > "$OUT/summary.txt"
awk '$5 != "ok" { bad = 1 } END { exit bad }' "$OUT/summary.txt" || status=1
echo "fuzz: summary ($OUT/summary.txt):"
{ echo "name seconds executions corpus result"; cat "$OUT/summary.txt"; } |
	awk '{ printf "  %-18s %7s %11s %7s  %s\n", $1, $2, $3, $4, $5 }'
exit $status
