#!/bin/bash
# The splice round trip (docs/FORMAT.md) on the YAML test suite: every case
# that libyaml reads as one document whose top level is a block mapping with
# scalar keys must fake-encrypt, scan as a store and rebuild byte for byte
# (tests/tools/splicetool.c). A case whose %TAG redefines '!' must be
# refused (exit 6).
. "$(dirname "$0")/lib.sh"
need_shared yaml-test-suite
ST="$TOOLS/splicetool"
[ -x "$ST" ] || { not_ok "splicetool is not built ($ST)"; exit 1; }

SUITE="$SHARED/testdata/yaml-test-suite"
cases=()
while IFS= read -r f; do
	out=$("$ST" classify "$f")
	case $out in mapping | tagbang | keyalias) cases+=("$out:$f") ;; esac
done < <(find "$SUITE" -name in.yaml | LC_ALL=C sort)
echo "# ${#cases[@]} qualifying cases (one document, block mapping, scalar keys)"
if [ "${#cases[@]}" -lt 80 ]; then
	not_ok "only ${#cases[@]} qualifying cases (expected about 95)"
fi

for c in "${cases[@]}"; do
	kind=${c%%:*} f=${c#*:}
	id=${f#"$SUITE"/}; id=${id%/in.yaml}
	run "$ST" roundtrip "$f"
	if [ "$kind" = tagbang ]; then
		if [ "$RC" -eq 6 ] && grep -q "redefines '!'" "$T/err"; then
			ok "$id: %TAG redefining '!' is refused"
		else
			not_ok "$id: %TAG redefining '!' not refused (exit $RC)"; diag <"$T/err"
		fi
	elif [ "$kind" = keyalias ]; then
		if [ "$RC" -eq 6 ] && grep -q "names a mapping key" "$T/err"; then
			ok "$id: an alias of a key used as a value is refused"
		else
			not_ok "$id: an alias of a key used as a value not refused (exit $RC)"; diag <"$T/err"
		fi
	elif [ "$RC" -eq 0 ]; then
		ok "$id: round trip"
	elif [ "$RC" -eq 6 ] && [ -f "$(dirname "$f")/error" ]; then
		# invalid YAML that libyaml accepts anyway
		ok "$id: invalid YAML refused: $(sed 's/^splicetool: [^:]*: //' "$T/err")"
	else
		not_ok "$id: round trip (exit $RC)"; diag <"$T/err"
	fi
done

# The same cases with CRLF line breaks, and without their final line break:
# libyaml counts a CRLF as two characters, and the metadata block must then
# bring its own line break.
for c in "${cases[@]}"; do
	kind=${c%%:*} f=${c#*:}
	[ "$kind" = mapping ] || continue
	id=${f#"$SUITE"/}; id=${id%/in.yaml}
	grep -q $'\r' "$f" && continue
	sed 's/$/\r/' "$f" >"$T/crlf.yaml"
	head -c -1 "$f" >"$T/nonl.yaml"
	for v in crlf nonl; do
		run "$ST" roundtrip "$T/$v.yaml"
		if [ "$RC" -eq 0 ]; then ok "$id ($v): round trip"
		elif [ "$RC" -eq 6 ] && [ -f "$(dirname "$f")/error" ]; then ok "$id ($v): refused"
		else not_ok "$id ($v): round trip (exit $RC)"; diag <"$T/err"; fi
	done
done

printf '%%TAG ! tag:example.com,2000:\n---\na: !foo b\n' >"$T/tagbang.yaml"
run "$ST" roundtrip "$T/tagbang.yaml"
if [ "$RC" -eq 6 ] && grep -q "line 1, column 1: a %TAG directive redefines '!'" "$T/err"; then
	ok "%TAG redefining '!' is refused"
else
	not_ok "%TAG redefining '!' is not refused (exit $RC)"; diag <"$T/err"
fi
printf '%%TAG !e! tag:example.com,2000:\n---\na: !e!foo b\n' >"$T/tag.yaml"
run "$ST" roundtrip "$T/tag.yaml"
assert_rc 0 "%TAG with another handle: round trip"
