#!/bin/bash
# Interoperability of src/age.c (through tests/tools/agetool) with Debian's
# age 1.1.1, both ways: X25519 recipients, several recipients, passphrases
# (age needs a terminal for those: driven through a pty with script(1)),
# armored and binary; and how damaged files fail.
. "$(dirname "$0")/lib.sh"
need age age-keygen script cmp
AT=$TOOLS/agetool
if [ ! -x "$AT" ]; then skip "$AT is not built"; exit 0; fi

cd "$T" || exit 1
age-keygen -o k1 2>/dev/null && age-keygen -o k2 2>/dev/null
R1=$(age-keygen -y k1) R2=$(age-keygen -y k2)
"$AT" keygen >k3 && R3=$("$AT" recipient <k3)
if [ "$(age-keygen -y k3)" = "$R3" ]; then ok "agetool keygen: age-keygen derives the same recipient"
else not_ok "agetool keygen: age-keygen -y gives $(age-keygen -y k3), agetool $R3"; fi

SIZES="0 1 65536 65537 1048576"
for n in $SIZES; do head -c "$n" /dev/urandom >"p$n"; done

one_line() {
	if [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^agetool: ' "$T/err"; then ok "$1"
	else not_ok "$1 (stderr is not one 'agetool: ' line)"; head -c 2000 "$T/err" | diag; fi
}
# same DESC FILE: $T/out equals FILE, and the last run succeeded
same() {
	if [ "$RC" -eq 0 ] && cmp -s "$T/out" "$2"; then ok "$1"; else
		not_ok "$1 (exit $RC)"; head -c 1000 "$T/err" | diag
	fi
}

for n in $SIZES; do
	for a in "" -a; do
		what="${a:+armored }$n bytes"
		age $a -r "$R1" -o "c$n$a" "p$n"
		run_in "c$n$a" "$AT" decrypt -i k1
		same "age -r -> agetool decrypt: $what" "p$n"
		run_in "p$n" "$AT" encrypt $a -r "$R1"
		cp "$T/out" "d$n$a"
		run age -d -i k1 "d$n$a"
		same "agetool encrypt -> age -d -i: $what" "p$n"
	done
done

# Several recipients, one of them made by agetool; each identity alone opens.
age -r "$R1" -r "$R2" -r "$R3" -o multi p65537
for k in k1 k2 k3; do
	run_in multi "$AT" decrypt -i "$k"; same "age, 3 recipients -> agetool -i $k" p65537
done
run_in p1048576 "$AT" encrypt -a -r "$R1" -r "$R2" -r "$R3"
cp "$T/out" multi2
for k in k1 k2 k3; do
	run age -d -i "$k" multi2; same "agetool, 3 recipients -> age -d -i $k" p1048576
done
cat k2 k1 >k21
run_in multi2 "$AT" decrypt -i k21
same "agetool decrypt: identity file with two keys, the second matches" p1048576

# Wrong identity.
age-keygen -o kx 2>/dev/null
run_in c1 "$AT" decrypt -i kx
assert_rc 4 "agetool decrypt with a wrong identity: exit 4"
one_line "wrong identity: one line on stderr"
assert_err '^agetool: no identity matches any recipient of the file$' "wrong identity: message"

# Passphrases. age reads them from the terminal: run it in a pty (script -e
# keeps age's exit status), the passphrase typed on its stdin.
printf 'correct horse battery\n' >pass
printf 'wrong horse\n' >wpass
tty_age() { # PASSPHRASE_TIMES ARGS...: age ARGS in a pty
	local times=$1; shift
	{ for _ in $(seq "$times"); do sleep 0.2; printf 'correct horse battery\n'; done; } |
		script -qec "age $*" /dev/null >"$T/tty" 2>&1
	TTY_RC=$?
	echo >>"$T/tty" # diag lines must end before the next TAP line
}
# (scrypt at age's work factor 18 takes a while: two cases each way.)
for an in :65537 -a:0; do
	a=${an%:*} n=${an#*:}; a=${a#:}
	{
		what="${a:+armored }$n bytes"
		rm -f "s$n$a"
		tty_age 2 -p $a -o "s$n$a" "p$n"
		if [ -s "s$n$a" ] && grep -aq -e '^-> scrypt ' -e '^-----BEGIN AGE' "s$n$a"; then
			ok "age -p in a pty: $what"
		else not_ok "age -p in a pty: $what"; diag <"$T/tty"; fi
		run_in "s$n$a" "$AT" decrypt -p pass
		same "age -p -> agetool decrypt -p: $what" "p$n"
		run_in "s$n$a" "$AT" decrypt -p wpass
		assert_rc 4 "age -p file, wrong passphrase: exit 4"
		one_line "wrong passphrase: one line on stderr"
		assert_err '^agetool: incorrect passphrase$' "wrong passphrase: message"
		run_in "p$n" "$AT" encrypt $a -p pass --log-n 12
		cp "$T/out" "u$n$a"
		rm -f "o$n$a"
		tty_age 1 -d -o "o$n$a" "u$n$a"
		[ "$n" -eq 0 ] && [ "$TTY_RC" -eq 0 ] && : >>"o$n$a" # age creates -o on the first write
		if [ "$TTY_RC" -eq 0 ] && cmp -s "o$n$a" "p$n"; then ok "agetool encrypt -p -> age -d in a pty: $what"
		else not_ok "agetool encrypt -p -> age -d in a pty: $what"; diag <"$T/tty"; fi
	}
done
# age's own default work factor (18) is accepted; a lower limit refuses it.
run_in s65537 "$AT" decrypt -p pass --max-log-n 17
assert_rc 4 "work factor 18 above --max-log-n 17: exit 4"
assert_err 'work factor 2\^18 is above the limit 2\^17' "work factor refusal: message"
run_in p1 "$AT" encrypt -p pass
if [ "$RC" -eq 0 ] && grep -aq '^-> scrypt [A-Za-z0-9+/]* 18$' "$T/out"; then
	ok "agetool encrypt -p: default work factor 18"; else not_ok "agetool encrypt -p: default work factor 18"; fi
run_in c1 "$AT" decrypt -p pass
assert_rc 4 "passphrase against an X25519 file: exit 4"
run_in s65537 "$AT" decrypt -i k1
assert_rc 4 "identity against a passphrase file: exit 4"
assert_err 'passphrase-encrypted' "identity against a passphrase file: message"

# Damaged files: truncated, garbled, wrongly armored. Exit 5 (integrity) or
# 6 (input), one line, no crash.
damaged() { # FILE RC DESC
	run_in "$1" "$AT" decrypt -i k1
	assert_rc "$2" "$3"
	one_line "$3: one line on stderr"
}
f=c65537 hdr=$(grep -abo -m1 '^--- ' c65537 | cut -d: -f1)
size=$(stat -c %s "$f")
head -c 30 "$f" >t1; damaged t1 6 "truncated in the header"
head -c $((hdr + 52)) "$f" >t2; damaged t2 6 "truncated in the nonce"
head -c $((size - 1)) "$f" >t3; damaged t3 5 "truncated by one byte"
head -c $((hdr + 48 + 16 + 65536 + 16)) "$f" >t4; damaged t4 5 "truncated after a full chunk"
{ cat "$f"; printf x; } >t5; damaged t5 5 "trailing data"
garble() { # FILE OFFSET OUT [b64]: flip a bit at OFFSET, or put another base64 character
	cp "$1" "$3"
	local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	if [ "${4:-}" = b64 ]; then b=$((b == 65 ? 66 : 65)); else b=$((b ^ 4)); fi
	printf "$(printf '\\%03o' "$b")" | dd of="$3" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
garble "$f" $((hdr + 5)) g1 b64; damaged g1 5 "garbled header MAC"
garble "$f" $((size - 10)) g2; damaged g2 5 "garbled last chunk"
garble "$f" 40 g3 b64; damaged g3 4 "garbled stanza share (no longer matches)"
garble "$f" $((hdr + 50)) g4; damaged g4 5 "garbled nonce"
garble "$f" 3 g5; damaged g5 6 "garbled version line"
run_in g2 "$AT" decrypt -i k1
if [ "$(stat -c %s "$T/out")" -eq 65536 ] && cmp -s "$T/out" <(head -c 65536 p65537); then
	ok "garbled last chunk: the verified first chunk is released, as age does"
else not_ok "garbled last chunk: released $(stat -c %s "$T/out") bytes"; fi
a=c65537-a
sed '2s/^./*/' "$a" >a1; damaged a1 6 "armor: invalid character"
sed '1s/FILE/MESSAGE/' "$a" >a2; damaged a2 6 "armor: wrong begin line"
sed '$d' "$a" >a3; damaged a3 6 "armor: no end line"
sed '3d' "$a" >a4; damaged a4 6 "armor: a header line missing"
sed '100d' "$a" >a9; damaged a9 5 "armor: a payload line missing"
sed '2s/$/AAAA/' "$a" >a5; damaged a5 6 "armor: long line"
{ cat "$a"; echo garbage; } >a6; damaged a6 6 "armor: data after the end line"
{ printf ' \n\t\r\n'; cat "$a"; printf '\n \n'; } >a7
run_in a7 "$AT" decrypt -i k1; same "armor: whitespace around is tolerated" p65537
sed 's/$/\r/' "$a" >a8
run_in a8 "$AT" decrypt -i k1; same "armor: CRLF line ends are tolerated" p65537
age -d -i k1 a8 >/dev/null 2>&1 && ok "age agrees: CRLF armor" || not_ok "age rejects CRLF armor"
printf 'hello\n' >junk; damaged junk 6 "not an age file"
: >empty; damaged empty 6 "empty file"

# age agrees on the damaged files.
for x in t1 t3 t5 g1 g2 a1 a2 a6; do
	if age -d -i k1 "$x" >/dev/null 2>&1; then not_ok "age accepts damaged $x"; else ok "age also rejects $x"; fi
done

# The fixed files of tests/data/age (make.py there): age opens the two
# controls, each stanza alone, so the stanzas, MAC and payload that the
# mixed files share are right; agetool refuses an scrypt stanza next to an
# X25519 one in either order, with either key (age 1.1.1 checks that rule
# only when it is given a passphrase).
V=$TOP/tests/data/age
echo AGE-SECRET-KEY-1PU7ZDF6Y9DKF3C8JZQ6XAX23MD3UA5K3TH43A589AV2YPZX0T4ZQN7X8F6 >kv
printf 'scrypt-alone\n' >vpass
printf 'an scrypt stanza must be the only stanza\n' >vplain
age -d -i kv -o vo "$V/x25519_alone.age" 2>/dev/null
assert "age opens tests/data/age/x25519_alone.age with its identity" cmp -s vo vplain
rm -f vo
{ sleep 0.2; printf 'scrypt-alone\n'; } | script -qec "age -d -o vo '$V/scrypt_alone.age'" /dev/null >"$T/tty" 2>&1
assert "age opens tests/data/age/scrypt_alone.age with its passphrase" cmp -s vo vplain
for f in scrypt_first scrypt_second; do
	run_in "$V/$f.age" "$AT" decrypt -i kv
	assert_rc 6 "agetool refuses $f.age with the identity"
	assert_err '^agetool: age header: an scrypt stanza must be the only stanza$' "$f.age: message"
	run_in "$V/$f.age" "$AT" decrypt -p vpass
	assert_rc 6 "agetool refuses $f.age with the passphrase"
done

# Bad identity files and recipients.
printf '# keys\n\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n' >badk
run_in c1 "$AT" decrypt -i badk
assert_rc 6 "identity file with a bad key: exit 6"
assert_err "line 3: invalid age identity" "identity file error names the line"
if grep -q QQQQQQQQ "$T/err"; then not_ok "identity file error quotes the key"; else ok "identity file error does not quote the key"; fi
run_in p1 "$AT" encrypt -r "${R1^^}"
assert_rc 6 "upper-case recipient: exit 6"
# (the last character is part of the checksum; one that ends in q gets p)
bad=q; [ "${R1: -1}" = q ] && bad=p
run_in p1 "$AT" encrypt -r "${R1%?}$bad"
assert_rc 6 "recipient with a bad checksum: exit 6"
echo "1..$TESTNUM"
