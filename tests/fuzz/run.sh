#!/bin/sh
# make fuzz [FUZZ_SECONDS=N]: builds every libFuzzer harness tests/fuzz/fuzz_*.c
# with clang (fuzzer, ASan, UBSan) against the library sources, seeds it
# from the tests and ../shared/testdata, and runs it for N seconds.
# Crashes land in build-fuzz/crash-NAME-*; a crash fails the run.
set -eu
SECONDS_EACH=${1:-30}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$TOP/../shared}
OUT=$TOP/build-fuzz
mkdir -p "$OUT"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -I$TOP/include -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
LIBS="$(pkg-config --cflags --libs yaml-0.1 libsodium) -ldl"
status=0

seed() { # NAME: fill the seed corpus
	c=$OUT/corpus-$1; mkdir -p "$c"
	case $1 in
	fuzz_age)
		if [ -d "$SHARED/testdata/age-cctv" ]; then
			for v in "$SHARED"/testdata/age-cctv/*; do
				grep -q '^compressed:' "$v" 2>/dev/null && continue
				sed '1,/^$/d' "$v" > "$c/$(basename "$v")" 2>/dev/null || true
			done
		else echo "fuzz: $SHARED/testdata/age-cctv absent: no age seeds (skipped)"; fi ;;
	fuzz_splice|fuzz_yedit|fuzz_store)
		cp "$TOP"/tests/data/*.yaml "$TOP"/examples/demo/secret.yaml "$c/" 2>/dev/null || true
		if [ -d "$SHARED/testdata/yaml-test-suite" ]; then
			find "$SHARED/testdata/yaml-test-suite" -name in.yaml | head -400 | while read -r f; do
				cp "$f" "$c/$(echo "$f" | md5sum | cut -c1-12)"; done
		else echo "fuzz: $SHARED/testdata/yaml-test-suite absent: fewer seeds (skipped)"; fi ;;
	fuzz_path) printf 'app/env/DB' > "$c/a"; printf 'a~1b/~0c/0' > "$c/b" ;;
	fuzz_identity) cp "$TOP/examples/demo/identity.txt" "$c/" ;;
	*) printf 'seed' > "$c/seed" ;;
	esac
}

for h in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	echo "fuzz: building $name"
	# shellcheck disable=SC2086
	clang $CFLAGS -o "$OUT/$name" "$h" "$TOP"/src/*.c $LIBS
	seed "$name"
	echo "fuzz: running $name for ${SECONDS_EACH}s"
	if ! (cd "$OUT" && "./$name" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$OUT/crash-$name-" "corpus-$name" >"$name.log" 2>&1); then
		echo "fuzz: $name FAILED (see $OUT/$name.log)"; tail -30 "$OUT/$name.log"; status=1
	else
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$name.log")
		echo "fuzz: $name ok, $runs executions"
	fi
done
exit $status
