# envfmt, podman dialect: what envtool renders, `podman run --env-file`
# hands to a container byte for byte. One container run carries all values
# (a start costs ~0.3 s); a static printenv inside prints them as NAME=HEX.
# Every class the dialect refuses is shown refused, and for the ones podman
# itself mangles, what podman does with them.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ET=$TOOLS/envtool
[ -x "$ET" ] || { not_ok "envtool is not built ($ET)"; exit 1; }
need podman runc cc

ROOT=$T/rootfs
mkdir -p "$ROOT"/proc "$ROOT"/dev "$ROOT"/sys "$ROOT"/etc "$ROOT"/run/secrets "$T/v"
if ! cc -static -O2 -o "$ROOT/printenv" "$TOP/tests/tools/static/printenv.c" 2>"$T/cc.err"; then
	skip "cannot build a static program (libc.a missing?): $(head -1 "$T/cc.err")"; exit 0
fi
# ctr ENVFILE: run printenv in a container, NAME=HEX of the T_ variables on stdout.
ctr() {
	podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --env-file "$1" --rootfs "$ROOT" /printenv T_
}
: >"$T/empty.env"
if ! ctr "$T/empty.env" >"$T/out" 2>"$T/err"; then
	skip "podman cannot run a container here: $(head -1 "$T/err")"; exit 0
fi

args=() refused=()
for b in $(seq 1 255); do
	printf -v oct '%03o' "$b"
	printf "\\$oct" >"$T/v/b$b"
	if "$ET" podman K "$T/v/b$b" >/dev/null 2>&1; then args+=("T_S$b" "$T/v/b$b")
	else refused+=("$b"); fi
done
"$ET" --gen 3 1000 40 utf8,noeol,trim "$T/v" || { not_ok "envtool --gen"; exit 1; }
for i in $(seq 0 999); do args+=("T_R$i" "$T/v/$i"); done
m=0
for val in '' 'a b' 'x"' "it's" '"in"side' '#hash' 'a=b=c' '$HOME' '${X}' '`cmd`' '\n' '\' \
	'x\' $'a\tb' $'a\vb' $'\x01\x7f' $'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91' \
	$'\xef\xbf\xbe\xef\xb7\x90' '  #'; do
	printf %s "$val" >"$T/v/m$m"
	if "$ET" podman K "$T/v/m$m" >/dev/null 2>&1; then args+=("T_M$m" "$T/v/m$m"); fi
	m=$((m + 1))
done
# The longest line podman reads: NAME=value of 65535 bytes.
head -c 65531 /dev/zero | tr '\0' x >"$T/v/long"
args+=("T_L" "$T/v/long")

run "$ET" podman "${args[@]}"
assert_rc 0 "render $(( ${#args[@]} / 2 )) values"
cp "$T/out" "$T/all.env"
"$ET" --hex "${args[@]}" >"$T/want"
if ctr "$T/all.env" >"$T/got" 2>"$T/err"; then ok "podman run --env-file takes the file"
else not_ok "podman run failed"; diag <"$T/err"; fi

declare -A got
while IFS='=' read -r k v; do got[$k]=$v; done <"$T/got"
bad_r=0 bad_m=0
while IFS='=' read -r k w; do
	g=${got[$k]-<missing>}
	case $k in
	T_S*) if [ "$w" = "$g" ]; then ok "podman: byte ${k#T_S} round-trips"
	      else not_ok "podman: byte ${k#T_S}: want $w, got $g"; fi ;;
	T_R*) [ "$w" = "$g" ] || { bad_r=$((bad_r + 1)); echo "# $k: want $w got $g"; } ;;
	T_M*) [ "$w" = "$g" ] || { bad_m=$((bad_m + 1)); echo "# $k: want $w got $g"; } ;;
	T_L) if [ "$w" = "$g" ]; then ok "podman: a 65535-byte line round-trips"
	     else not_ok "podman: the 65535-byte line differs"; fi ;;
	esac
done <"$T/want"
if [ $bad_r -eq 0 ]; then ok "podman: 1000 random UTF-8 strings round-trip"
else not_ok "podman: $bad_r of 1000 random strings differ"; fi
if [ $bad_m -eq 0 ]; then ok "podman: quoting-edge values (empty, inner quotes, \$, \\, #) round-trip"
else not_ok "podman: $bad_m edge values differ"; fi

# Single bytes refused: LF CR, the blanks (TAB VT FF SP), the quotes, and
# 0x80-0xff (not UTF-8 alone): 8 + 128.
want_refused="9 10 11 12 13 32 34 39 $(seq -s ' ' 128 255)"
if [ "${refused[*]}" = "$want_refused" ]; then ok "podman: exactly the expected single bytes are refused"
else not_ok "podman: refused single bytes: ${refused[*]}"; fi

# Each refused class: exit 6, the message, nothing written.
refuse() { # FILE-CONTENT(printf) REGEX DESC
	printf "$1" >"$T/v/bad"
	run "$ET" -p app/env podman OK "$T/v/b65" KEY "$T/v/bad"
	if [ $RC -eq 6 ] && [ ! -s "$T/out" ] && grep -Eq "^envtool: app/env/KEY: value $2" "$T/err"; then
		ok "podman refuses $3"
	else not_ok "podman refuses $3 (exit $RC)"; diag <"$T/err"; fi
}
refuse 'a\0b' 'has a NUL byte \(offset 1\), which the podman env-file format cannot carry; use -f$' "a NUL byte"
refuse 'a\nb' 'has a newline, which the podman env-file format cannot carry; use --format systemd or -f$' "a newline"
refuse 'ab\n' 'has a newline' "a trailing newline"
refuse 'a\rb' 'has a carriage return, which the podman env-file format cannot carry; use --format systemd or -f$' "a carriage return"
refuse ' a' 'starts with a blank, which the podman env-file format cannot carry; use --format systemd or -f$' "a leading space"
refuse '\ta' 'starts with a blank' "a leading tab"
refuse 'a ' 'ends with a blank, which the podman' "a trailing space"
refuse 'a\t' 'ends with a blank' "a trailing tab"
refuse '"a"' 'starts with a quote, which the podman env-file format cannot carry; use --format systemd or -f$' "a leading double quote"
refuse "'a'" 'starts with a quote' "a leading single quote"
refuse 'a\377' 'is not valid UTF-8 \(byte 0xff at offset 1\), which the podman env-file format cannot carry; use --format shell or -f$' "invalid UTF-8"
refuse '\355\240\200' 'is not valid UTF-8' "a UTF-16 surrogate"
head -c 65532 /dev/zero | tr '\0' x >"$T/v/bad"
run "$ET" -p app/env podman KEY "$T/v/bad"
if [ $RC -eq 6 ] && grep -q 'is too long (a line over 65535 bytes)' "$T/err"; then
	ok "podman refuses a line over 65535 bytes"
else not_ok "podman refuses a line over 65535 bytes (exit $RC)"; fi

# Why: what podman itself does with those values (raw, by hand).
printf 'T_CR=a\r\nT_X=1\n' >"$T/raw.env"
ctr "$T/raw.env" >"$T/got" 2>&1
if grep -qx 'T_CR=61' "$T/got"; then ok "podman silently drops a CR before the newline (so CR is refused)"
else not_ok "podman kept the CR?"; diag <"$T/got"; fi
{ printf 'T_LONG='; head -c 65529 /dev/zero | tr '\0' x; echo; } >"$T/raw.env"
if ! ctr "$T/raw.env" >"$T/got" 2>"$T/err"; then ok "podman fails on a 65536-byte line (so it is refused)"
else not_ok "podman read a 65536-byte line"; fi
printf 'T_Q="q"\n' >"$T/raw.env"
ctr "$T/raw.env" >"$T/got" 2>&1
if grep -qx 'T_Q=227122' "$T/got"; then ok "podman keeps quotes raw (other dotenv readers strip them: refused)"
else not_ok "podman stripped quotes?"; diag <"$T/got"; fi
echo "1..$TESTNUM"
