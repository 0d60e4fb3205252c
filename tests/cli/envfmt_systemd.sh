# envfmt, systemd dialect: what envtool renders, systemd's own env-file
# parser reads back byte for byte. The parser is reached through the user
# environment generator, which reads $XDG_CONFIG_HOME/environment.d/*.conf
# with EnvironmentFile='s unquoting and prints the result re-quoted (C
# escapes, \ooo); envtool --unquote-generator undoes that printing. The
# generator also expands $VAR (EnvironmentFile= does not), so values with
# '$' are left to the unit tests. It also drops empty values however they
# are written (EnvironmentFile= takes NAME="" as empty), so those are too.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
GEN=/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator
ET=$TOOLS/envtool
[ -x "$ET" ] || { not_ok "envtool is not built ($ET)"; exit 1; }
[ -x "$GEN" ] || { skip "$GEN is absent (systemd not installed)"; exit 0; }

mkdir -p "$T/v" "$T/cfg/environment.d"
args=() refused=()
for b in $(seq 1 255); do
	printf -v oct '%03o' "$b"
	printf "\\$oct" >"$T/v/b$b"
	[ "$b" -eq 36 ] && continue # '$': expanded by the generator
	if [ "$b" -lt 128 ]; then args+=("S$b" "$T/v/b$b"); else refused+=("$b"); fi
done
"$ET" --gen 2 1000 40 utf8,nodollar "$T/v" || { not_ok "envtool --gen"; exit 1; }
n_rand=0
for i in $(seq 0 999); do
	[ -s "$T/v/$i" ] && { args+=("R$i" "$T/v/$i"); n_rand=$((n_rand + 1)); }
done
# Multi-line values and the other shapes quoting must get right.
m=0
for val in $'l1\nl2\n' $'\n' $'\n\n\n' $'a\\\nb' $'a\\' $'\r\n' $'x\r' '  lead' 'trail  ' \
	$'\ttab\t' '"' "'" "'single'" '"double"' '`cmd`' '\n' '\\' '#comment' 'a #b' ';x' 'a=b=c' \
	' ' 'plain' $'\x7f\x01' $'caf\xc3\xa9 \xe2\x82\xac\n\xf0\x9f\x94\x91' \
	$'\xef\xbf\xbd\xf4\x8f\xbf\xbd' $'\xef\xb7\x8f\xef\xb7\xb0'; do
	printf %s "$val" >"$T/v/m$m"; args+=("M$m" "$T/v/m$m"); m=$((m + 1))
done
n_vals=$(( ${#args[@]} / 2 ))

run "$ET" systemd "${args[@]}"
assert_rc 0 "render $n_vals values"
cp "$T/out" "$T/cfg/environment.d/50-secretctl-test.conf"
"$ET" --hex "${args[@]}" >"$T/want"

env -i XDG_CONFIG_HOME="$T/cfg" "$GEN" >"$T/gen" 2>"$T/gen.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/gen.err" ]; then ok "generator reads the file without complaint"
else not_ok "generator: exit $rc"; head -20 "$T/gen.err" | diag; fi
"$ET" --unquote-generator <"$T/gen" >"$T/got" || not_ok "cannot decode the generator's output"

declare -A got
while IFS='=' read -r k v; do got[$k]=$v; done <"$T/got"
bad_r=0 bad_m=0
while IFS='=' read -r k w; do
	g=${got[$k]-<missing>}
	case $k in
	S*) if [ "$w" = "$g" ]; then ok "systemd: byte ${k#S} round-trips"
	    else not_ok "systemd: byte ${k#S}: want $w, got $g"; fi ;;
	R*) [ "$w" = "$g" ] || { bad_r=$((bad_r + 1)); echo "# $k: want $w got $g"; } ;;
	M*) [ "$w" = "$g" ] || { bad_m=$((bad_m + 1)); echo "# $k: want $w got $g"; } ;;
	esac
done <"$T/want"
if [ $bad_r -eq 0 ]; then ok "systemd: $n_rand random UTF-8 strings round-trip"
else not_ok "systemd: $bad_r of $n_rand random strings differ"; fi
if [ $bad_m -eq 0 ]; then ok "systemd: $m multi-line and quoting-edge values round-trip"
else not_ok "systemd: $bad_m of $m edge values differ"; fi
assert "systemd: lone bytes 0x80-0xff are the 128 refused ones" test ${#refused[@]} -eq 128

# Bytes 0x80-0xff alone are not UTF-8: refused, each with exit 6.
bad=0
for b in "${refused[@]}"; do
	"$ET" systemd K "$T/v/b$b" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -ne 6 ] || [ -s "$T/out" ] || ! grep -q 'is not valid UTF-8' "$T/err"; then
		bad=$((bad + 1)); echo "# byte $b: exit $rc"
	fi
done
if [ $bad -eq 0 ]; then ok "systemd: each of bytes 0x80-0xff alone is refused as invalid UTF-8"
else not_ok "systemd: $bad lone high bytes not refused"; fi

# What systemd itself does with a noncharacter: it drops the file (so the
# dialect refuses it), shown here so the refusal is not arbitrary.
# (systemd 252's generator then crashes with a double free: kept quiet.)
printf 'OK=1\nNC="\xef\xbf\xbe"\n' >"$T/cfg/environment.d/50-secretctl-test.conf"
(env -i XDG_CONFIG_HOME="$T/cfg" "$GEN" >"$T/gen" 2>"$T/gen.err"; :) 2>/dev/null
if grep -q 'invalid UTF-8 value for key NC' "$T/gen.err" && ! grep -q '^NC=' "$T/gen"; then
	ok "systemd itself refuses a noncharacter (as invalid UTF-8)"
else not_ok "systemd took U+FFFE"; diag <"$T/gen.err"; fi
printf '\xef\xbf\xbe' >"$T/v/nc"
run "$ET" -p app/env systemd KEY "$T/v/nc"
assert_rc 6 "systemd: a noncharacter is refused (exit 6)"
assert_err '^envtool: app/env/KEY: value has the Unicode noncharacter U\+FFFE \(offset 0\), which the systemd env-file format cannot carry; use --format shell or -f$' "systemd: noncharacter message"
# Why empty values are not in the batch above: environment.d drops them.
printf 'E1=\nE2=""\n' >"$T/cfg/environment.d/50-secretctl-test.conf"
env -i XDG_CONFIG_HOME="$T/cfg" "$GEN" >"$T/gen" 2>"$T/gen.err"
if [ "$(grep -c 'invalid syntax' "$T/gen.err")" -eq 2 ]; then ok "environment.d drops empty values (EnvironmentFile= does not)"
else not_ok "environment.d took an empty value: the batch could include them"; fi

printf 'a\0b' >"$T/v/nul"
run "$ET" -p app/env systemd KEY "$T/v/nul"
assert_rc 6 "systemd: NUL refused (exit 6)"
assert_err '^envtool: app/env/KEY: value has a NUL byte \(offset 1\), which the systemd env-file format cannot carry; use -f$' "systemd: NUL message"
assert "systemd: nothing written on refusal" test ! -s "$T/out"
printf 'ok\xc3' >"$T/v/bad"
run "$ET" -p app/env systemd A "$T/v/b65" KEY "$T/v/bad"
assert_rc 6 "systemd: invalid UTF-8 refused (exit 6)"
assert_err '^envtool: app/env/KEY: value is not valid UTF-8 \(byte 0xc3 at offset 2\), which the systemd env-file format cannot carry; use --format shell or -f$' "systemd: UTF-8 message"
assert "systemd: nothing written, not even the good first line" test ! -s "$T/out"
echo "1..$TESTNUM"
