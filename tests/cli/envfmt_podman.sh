# envfmt, podman dialect: what envtool renders, `podman run --env-file`
# hands to a container byte for byte. One container run carries all values
# (a start costs ~0.3 s); a static printenv inside prints them as NAME=HEX.
# podman's reader (pkg/env ParseFile, the same from 4.3 to 5.x) takes the
# rest of the line raw, so blanks and quotes at either end must pass
# unchanged; what it cannot carry is refused, and for each refused class
# a raw file shows what podman does with it. The refusal's advice (an env
# secret) is followed as the message words it, and works.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ET=$TOOLS/envtool
[ -x "$ET" ] || { not_ok "envtool is not built ($ET)"; exit 1; }
need podman runc cc

# Secrets this script makes start with $P (a variable name too); all are
# removed on exit.
P=T_sctenv$$x$RANDOM
cleanup() {
	podman secret ls --format '{{.Name}}' 2>/dev/null | grep "^$P" | while read -r n; do
		podman secret rm -- "$n" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT

ROOT=$T/rootfs
mkdir -p "$ROOT"/proc "$ROOT"/dev "$ROOT"/sys "$ROOT"/etc "$ROOT"/run/secrets "$T/v"
if ! cc -static -O2 -o "$ROOT/printenv" "$TOP/tests/tools/static/printenv.c" 2>"$T/cc.err"; then
	skip "cannot build a static program (libc.a missing?): $(head -1 "$T/cc.err")"; exit 0
fi
# ctr ENVFILE [--secret SPEC]...: run printenv in a container, NAME=HEX of the
# T_ variables on stdout.
ctr() {
	local f=$1; shift
	podman run --rm --network=none --runtime runc --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --env-file "$f" "$@" --rootfs "$ROOT" /printenv T_
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
# random UTF-8 with blanks, quotes and CRs anywhere, no LF, no CR at the end
"$ET" --gen 3 1000 40 utf8,nolf "$T/v" || { not_ok "envtool --gen"; exit 1; }
for i in $(seq 0 999); do args+=("T_R$i" "$T/v/$i"); done
m=0 not_taken=""
for val in '' 'a b' 'x"' "it's" '"in"side' '#hash' 'a=b=c' '$HOME' '${X}' '`cmd`' '\n' '\' \
	'x\' $'a\tb' $'a\vb' $'\x01\x7f' $'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91' \
	$'\xef\xbf\xbe\xef\xb7\x90' '  #' ' lead' 'trail ' '  both  ' $'\ttabs\t' $'\vvt\f' ' ' \
	'"quoted"' "'single'" '"' "'" '""' "'unbalanced" 'unbalanced"' '" "' $'a\rb' $'\rlead' \
	'=' '==x' 'X=Y' '#' ' #c' 'a #c' '\"' '\\' 'export X=1' \
	'smtp://user:p@ss w0rd@mail:587' $'"p@ss \\ $x #1=\xc3\xa9"'; do
	printf %s "$val" >"$T/v/m$m"
	if "$ET" podman K "$T/v/m$m" >/dev/null 2>&1; then args+=("T_M$m" "$T/v/m$m")
	else not_taken="$not_taken m$m"; fi
	m=$((m + 1))
done
if [ -z "$not_taken" ]; then ok "podman: all $m quoting-edge values are taken (blanks, quotes, CR inside)"
else not_ok "podman: edge values refused:$not_taken"; fi
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
if [ $bad_m -eq 0 ]; then ok "podman: $m quoting-edge values (empty, blanks and quotes at the ends, \$, \\, #, CR inside) round-trip"
else not_ok "podman: $bad_m edge values differ"; fi
n_got=$(wc -l <"$T/got"); n_want=$(wc -l <"$T/want")
if [ "$n_got" = "$n_want" ]; then ok "podman: the container has exactly the $n_want variables of the file"
else not_ok "podman: the container has $n_got T_ variables, the file $n_want"; fi

# Single bytes refused: LF, CR (a value ending in CR), and 0x80-0xff (not
# UTF-8 alone): 2 + 128. Blanks and quotes are taken.
want_refused="10 13 $(seq -s ' ' 128 255)"
if [ "${refused[*]}" = "$want_refused" ]; then ok "podman: exactly the expected single bytes are refused"
else not_ok "podman: refused single bytes: ${refused[*]}"; fi

# Each refused class: exit 6, the message, nothing written.
secret_advice='use an env secret \(secretctl podman STORE -e app/env/KEY KEY, and Secret=KEY,type=env in the unit\) or -f$'
refuse() { # FILE-CONTENT(printf) REGEX DESC
	printf "$1" >"$T/v/bad"
	run "$ET" -p app/env podman OK "$T/v/b65" KEY "$T/v/bad"
	if [ $RC -eq 6 ] && [ ! -s "$T/out" ] && grep -Eq "^envtool: app/env/KEY: value $2" "$T/err"; then
		ok "podman refuses $3"
	else not_ok "podman refuses $3 (exit $RC)"; diag <"$T/err"; fi
}
refuse 'a\0b' 'has a NUL byte \(offset 1\), which the podman env-file format cannot carry; use -f$' "a NUL byte"
refuse 'a\nb' "has a newline \(offset 1\), which the podman env-file format cannot carry; $secret_advice" "a newline"
refuse 'ab\n' 'has a newline \(offset 2\)' "a trailing newline"
refuse '\nX=1' 'has a newline \(offset 0\)' "a leading newline"
refuse 'ab\r' "ends with a carriage return, which the podman env-file format cannot carry; $secret_advice" "a trailing carriage return"
refuse '\r' 'ends with a carriage return' "a lone carriage return"
refuse 'a\377' 'is not valid UTF-8 \(byte 0xff at offset 1\), which the podman env-file format cannot carry; use -f \(podman turns invalid UTF-8 into U\+FFFD, in env secrets too\)$' "invalid UTF-8"
refuse '\355\240\200' 'is not valid UTF-8' "a UTF-16 surrogate"
head -c 65532 /dev/zero | tr '\0' x >"$T/v/bad"
run "$ET" -p app/env podman KEY "$T/v/bad"
if [ $RC -eq 6 ] && grep -Eq "is too long \(a line over 65535 bytes\), which the podman env-file format cannot carry; $secret_advice" "$T/err"; then
	ok "podman refuses a line over 65535 bytes"
else not_ok "podman refuses a line over 65535 bytes (exit $RC)"; diag <"$T/err"; fi

# Why: what podman itself does with those values (raw, by hand).
printf 'T_NL=a\nT_INJ=b\n' >"$T/raw.env"
ctr "$T/raw.env" >"$T/got" 2>&1
if grep -qx 'T_NL=61' "$T/got" && grep -qx 'T_INJ=62' "$T/got"; then
	ok "podman ends the value at a newline and reads the rest as another variable (so LF is refused)"
else not_ok "podman kept a newline?"; diag <"$T/got"; fi
printf 'T_CR=a\r\nT_CRIN=a\rb\nT_X=1\n' >"$T/raw.env"
ctr "$T/raw.env" >"$T/got" 2>&1
if grep -qx 'T_CR=61' "$T/got" && grep -qx 'T_CRIN=610d62' "$T/got"; then
	ok "podman drops a CR before the newline (refused), keeps one inside (taken)"
else not_ok "podman and CR"; diag <"$T/got"; fi
printf 'T_U=a\377\n' >"$T/raw.env"
ctr "$T/raw.env" >"$T/got" 2>&1
if grep -qx 'T_U=61efbfbd' "$T/got"; then ok "podman turns invalid UTF-8 into U+FFFD (so it is refused)"
else not_ok "podman and invalid UTF-8"; diag <"$T/got"; fi
printf 'T_Z=a\0b\n' >"$T/raw.env"
if ! ctr "$T/raw.env" >"$T/got" 2>"$T/err" && grep -q "can't contain null" "$T/err"; then
	ok "runc will not start a container with a NUL in a variable (so NUL is refused)"
else not_ok "a NUL variable started a container"; diag <"$T/err"; fi
{ printf 'T_LONG='; head -c 65529 /dev/zero | tr '\0' x; echo; } >"$T/raw.env"
if ! ctr "$T/raw.env" >"$T/got" 2>"$T/err"; then ok "podman fails on a 65536-byte line (so it is refused)"
else not_ok "podman read a 65536-byte line"; fi
printf 'T_Q="q"\nT_B= b \n\tT_I=ind\n#T_C=comment\n' >"$T/raw.env"
ctr "$T/raw.env" >"$T/got" 2>&1
if grep -qx 'T_Q=227122' "$T/got" && grep -qx 'T_B=206220' "$T/got"; then
	ok "podman keeps quotes and blanks of a value raw (so they are taken)"
else not_ok "podman stripped quotes or blanks?"; diag <"$T/got"; fi
if grep -qx 'T_I=696e64' "$T/got" && ! grep -q '^T_C' "$T/got"; then
	ok "podman skips blanks before a name and '#' lines (a valid name never starts so)"
else not_ok "podman and line starts"; diag <"$T/got"; fi

# The advice works: a store value with a line break and a CR at the end is
# refused by extract --format podman; the command the message names makes
# an env secret that carries it exactly. (The secret is named after the key,
# unique to this run.)
K=${P}_NL
sc keygen -o "$T/id.txt" 2>/dev/null
export SECRETCTL_IDENTITY="$T/id.txt"
printf 'app:\n  env:\n    %s: "line 1\\nline 2 \\"q\\" $x\\r"\n' "$K" >"$T/plain.yaml"
sc encrypt "$T/plain.yaml" -r "$(sc keygen -y "$T/id.txt")" -o "$T/s.yaml"
run sc extract "$T/s.yaml" -e app/env --format podman
assert_rc 6 "extract --format podman refuses a value with a newline"
advice=$(sed -n 's/.*use an env secret (\(secretctl podman STORE -e [^ ]* [^ ,]*\), and \(Secret=[^ ]*\) in the unit) or -f$/\1|\2/p' "$T/err")
cmd=${advice%|*} spec=${advice#*|}
if [ "$cmd" = "secretctl podman STORE -e app/env/$K $K" ] && [ "$spec" = "Secret=$K,type=env" ]; then
	ok "the message names the command and the Secret= line"
else not_ok "the advice is '$advice'"; diag <"$T/err"; fi
# shellcheck disable=SC2086
run sc podman "$T/s.yaml" ${cmd#secretctl podman STORE }
assert_rc 0 "the named command makes the env secret"
spec=${spec#Secret=}
run ctr "$T/empty.env" --secret "$spec"
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$K=$(sc extract "$T/s.yaml" -f "app/env/$K" | od -An -v -tx1 | tr -d ' \n')" ]; then
	ok "a container sees the value exactly through that secret (newline, quotes, CR at the end)"
else not_ok "env secret (rc $RC)"; { cat "$T/out"; cat "$T/err"; } | diag; fi
echo "1..$TESTNUM"
