# envfmt, shell dialect: what envtool renders, a real sh reads back byte for
# byte (`. FILE`, and `eval`), for every single byte 1-255 and 1000 random
# byte strings (fixed seed). Values go in and out as NAME=HEX lines.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ET=$TOOLS/envtool
[ -x "$ET" ] || { not_ok "envtool is not built ($ET)"; exit 1; }

mkdir -p "$T/v"
names=() args=()
for b in $(seq 1 255); do
	printf -v oct '%03o' "$b"
	printf "\\$oct" >"$T/v/b$b"
	names+=("B$b"); args+=("B$b" "$T/v/b$b")
done
"$ET" --gen 1 1000 64 bytes "$T/v" || { not_ok "envtool --gen"; exit 1; }
for i in $(seq 0 999); do names+=("R$i"); args+=("R$i" "$T/v/$i"); done

run "$ET" shell "${args[@]}"
assert_rc 0 "render 1255 values (every byte 1-255 alone, 1000 random strings)"
cp "$T/out" "$T/env.sh"
"$ET" --hex "${args[@]}" >"$T/want"

# read_back SHELL HOW: print NAME=HEX for every variable as SHELL sees it.
read_back() {
	local sh=$1 how=$2 list="" n
	for n in "${names[@]}"; do list="$list \"\$$n\""; done
	(cd "$T" && env -i "$sh" -c "$how; printf '%s\\0' $list") | "$ET" --hex-nul "${names[@]}"
}

read_back sh '. ./env.sh' >"$T/got"
# One TAP line per single byte, one for the random strings.
exec 3<"$T/want" 4<"$T/got"
for b in $(seq 1 255); do
	read -r w <&3; read -r g <&4
	if [ "$w" = "$g" ]; then ok "sh: byte $b round-trips"
	else not_ok "sh: byte $b: want $w, got $g"; fi
done
bad=0
for i in $(seq 0 999); do
	read -r w <&3; read -r g <&4
	[ "$w" = "$g" ] || { bad=$((bad + 1)); [ $bad -le 5 ] && echo "# want $w" && echo "# got  $g"; }
done
exec 3<&- 4<&-
if [ $bad -eq 0 ]; then ok "sh: 1000 random byte strings round-trip"
else not_ok "sh: $bad of 1000 random byte strings differ"; fi

# The same file through eval, and through bash (also a POSIX shell here).
read_back sh 'eval "$(cat ./env.sh)"' >"$T/got"
if cmp -s "$T/want" "$T/got"; then ok "sh eval: all 1255 values round-trip"
else not_ok "sh eval: values differ"; diff "$T/want" "$T/got" | head -10 | diag; fi
read_back bash '. ./env.sh' >"$T/got"
if cmp -s "$T/want" "$T/got"; then ok "bash: all 1255 values round-trip"
else not_ok "bash: values differ"; diff "$T/want" "$T/got" | head -10 | diag; fi

# The exported variables reach a child process.
printf "it's \$x\n" >"$T/v/exp"
"$ET" shell CHILD "$T/v/exp" >"$T/exp.sh"
run env -i sh -c ". $T/exp.sh; exec env"
if grep -qx "CHILD=it's \$x" "$T/out"; then ok "shell: variables are exported"
else not_ok "shell: variable not in a child's environment"; diag <"$T/out"; fi

# Refused: NUL, a bad name; nothing on stdout.
printf 'a\0b' >"$T/v/nul"
run "$ET" -p app/env shell KEY "$T/v/nul"
assert_rc 6 "shell: a NUL byte is refused (exit 6)"
assert_err '^envtool: app/env/KEY: value has a NUL byte \(offset 1\), which the shell format cannot carry; use -f$' "shell: NUL message names path, dialect, reason"
assert "shell: nothing written on refusal" test ! -s "$T/out"
run "$ET" -p app/env shell KEY "$T/v/b65" BAD-NAME "$T/v/b66"
assert_rc 6 "shell: a bad name is refused (exit 6)"
assert_err '^envtool: app/env/BAD-NAME: "BAD-NAME" is not a valid variable name' "shell: bad name message"
assert "shell: nothing written for a bad name, not even the good line" test ! -s "$T/out"
echo "1..$TESTNUM"
