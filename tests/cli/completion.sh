#!/bin/bash
# Shell completion in the real shells (bash with bash-completion, zsh on a
# pty through zpty, fish's complete -C): subcommands, options, key paths at
# three depths, a key with a space, $SECRETCTL_STORE; `completion SHELL`;
# recipients rm (one recipient, in either order); keys ls prints quoted;
# ls --prefix/--depth against the full listing; every option of every
# command offered by every shell.
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir bin
ln -s "$SECRETCTL" bin/secretctl
export PATH="$T/bin:$PATH"
sc keygen -o id.txt 2>/dev/null
R=$(sc keygen -y id.txt)
sc keygen -o id2.txt 2>/dev/null
R2=$(sc keygen -y id2.txt)
R12=$(printf '%s\n' "$R" "$R2" | sort | paste -sd'|')
cat > plain.yaml <<'YAML'
# comment
app:
  env:
    DB_PASSWORD: hunter2
    API_TOKEN: tok
  tls.key: |
    -----BEGIN KEY-----
    abc
    -----END KEY-----
  "with space":
    inner: x
  'single ''q''': b
  "a/b~c": c
  colon:inside: e
  nested:
    deeper:
      deepest: f
    empty:
  anch: &an
    x: 1
db:
  password: pw
last:
YAML
sc encrypt plain.yaml -r "$R" -o store.yaml
# the same keys, with what the key-line scan leaves to the full parse
cat plain.yaml - > plain2.yaml <<'YAML'
copy: *an
hosts:
  - name: alpha
  - beta
flow: {a: 1, b: [2, 3]}
YAML
sc encrypt plain2.yaml -r "$R" -o store2.yaml
sed 's/$/\r/' plain.yaml > plain3.yaml
sc encrypt plain3.yaml -r "$R" -o store3.yaml
sc encrypt plain.yaml -r "$R" -r "$R2" -o two.yaml
# keys with control characters: ls prints them quoted, completion leaves
# them out (and writes none of them to the terminal)
cat > ctl.plain <<'YAML'
app:
  "\e]0;PWNED\a\e[31mRED": 1
  normal: 2
  "c1\x9b31m": 3
  sub:
    "nl\nx": 4
    ok: 5
"\"top": 6
"\etop": 7
top: 8
YAML
sc encrypt ctl.plain -r "$R" -o ctl.yaml
# a manifest: apply --unit completes its units (apply --list, no key)
printf '%s\n' 'store: store.yaml' 'install:' '  a.env: {env: app/env, restart: [a.service, c.target]}' \
	'podman:' '  - {file: db/password, restart: [b@x.service, a.service]}' '  - {file: app/tls.key}' >host.apply.yaml

# --- secretctl completion SHELL prints the installed files
for sh in bash zsh fish; do
	f=$TOP/completions/$sh/secretctl
	[ $sh = zsh ] && f=$TOP/completions/zsh/_secretctl
	[ $sh = fish ] && f=$TOP/completions/fish/secretctl.fish
	run sc completion $sh
	assert "completion $sh prints $f byte for byte (else: sh completions/embed.sh > cmd/completion_data.h)" \
		bash -c "[ $RC = 0 ] && cmp -s '$T/out' '$f'"
done
run sc completion tcsh
assert_rc 2 "completion of an unknown shell is a usage error"
assert_err "unknown shell 'tcsh'" "it names the shell"
run sc completion
assert_rc 2 "completion without a shell is a usage error"

# --- ls --prefix/--depth: the full listing, filtered and cut
derive() { # STORE P N: what --prefix P --depth N must print, from plain ls
	sc ls "$1" | awk -v P="$2" -v N="$3" '
	BEGIN { n = split(P, parts, "/"); partial = parts[n]; parent = substr(P, 1, length(P) - length(partial)) }
	{
		L = $0
		if (parent != "") { if (substr(L, 1, length(parent)) != parent) next; rest = substr(L, length(parent) + 1) } else rest = L
		if (substr(rest, 1, length(partial)) != partial) next
		k = split(rest, segs, "/")
		if (k > N) { out = parent; for (j = 1; j <= N; j++) out = out segs[j] "/" } else out = L
		if (out != last) print out; last = out
	}'
}
# (under valgrind: every 29th of these 360 runs under memcheck)
export VG_EVERY=29
for st in store.yaml store2.yaml store3.yaml; do
	bad=""
	for P in '' a app/ app/n app/nested/ app/nested/deeper/ 'app/with' 'app/with space/' \
		app/a app/c app/s d db/ hosts/ hosts/0/ copy/ flow/ flow/b/ zzz app/anch/; do
		for N in 1 2 3; do
			derive $st "$P" $N > exp
			sc ls $st --prefix "$P" --depth $N > got 2>/dev/null
			cmp -s exp got || bad="$bad [$P/$N]"
		done
	done
	assert "$st: ls --prefix P --depth N is the full listing filtered and cut${bad:+ (differs:$bad)}" [ -z "$bad" ]
done
vg_sample_end
run sc ls store.yaml --prefix app/
assert "ls --prefix lists children, '/' after collections" \
	bash -c "tr '\n' '|' < '$T/out' | grep -qx 'app/env/|app/tls.key|app/with space/|app/single '\''q'\''|app/a~1b~0c|app/colon:inside|app/nested/|app/anch/|'"
run sc ls store.yaml --prefix nope/
assert_rc 3 "ls --prefix below a missing path is exit 3"
run sc ls store.yaml --prefix app/zzz
assert "ls --prefix matching nothing prints nothing, exit 0" bash -c "[ $RC = 0 ] && [ ! -s '$T/out' ]"
run sc ls store.yaml --prefix app/ --depth 0
assert_rc 2 "--depth 0 is a usage error"
run sc ls store.yaml app --prefix app/
assert_rc 2 "PATH and --prefix together are a usage error"
run sc ls store.yaml app/nested --depth 1
assert "ls STORE PATH --depth N lists below PATH" bash -c "tr '\n' '|' < '$T/out' | grep -qx 'app/nested/deeper/|app/nested/empty|'"
run sc ls store.yaml --prefix app/e --json
assert "ls --prefix --json is a JSON array" bash -c "jq -e '. == [\"app/env/\"]' '$T/out' >/dev/null"
printf 'not: [a store\n' > junk.yaml
run sc ls junk.yaml --prefix ''
assert_rc 6 "ls --prefix on a file that is no store fails as ls does"
run sc ls missing.yaml --prefix ''
assert_rc 3 "ls --prefix on a missing store is exit 3"
run env SECRETCTL_STORE=store.yaml "$SECRETCTL" ls --prefix app/nested/
assert_out '^app/nested/deeper/$' "ls --prefix uses \$SECRETCTL_STORE"

# How long one segment takes on a 10 000-key store (reported, not asserted).
# (a timing: the real binary, also under valgrind)
if command -v hyperfine >/dev/null && [ -f "$TOP/bench/gen.sh" ]; then
	sh "$TOP/bench/gen.sh" 10000 > big.yaml
	sc encrypt big.yaml -r "$R" -o big.s.yaml
	hyperfine -N -w 3 -r 30 --export-json big.json \
		"$SECRETCTL_REAL ls big.s.yaml --prefix app123/ --depth 1" \
		"$SECRETCTL_REAL ls big.s.yaml" >/dev/null 2>&1 &&
		jq -r '.results[] | "\(.command | sub(".*secretctl "; "")): \(.mean * 1000 | . * 10 | round / 10) ms"' big.json |
		sed 's/^/10 000 keys: /' | diag
fi

# Expected candidates: E 'a|b|c' compared with the sorted, unique output.
check() { # DESC EXPECTED FILE
	local got; got=$(sort -u "$3" | tr '\n' '|'); got=${got%|}
	if [ "$got" = "$2" ]; then ok "$1"; else not_ok "$1"; printf 'expected: %s\ngot:      %s\n' "$2" "$got" | diag; fi
}
# contains DESC FILE WORD...: every WORD is a candidate
contains() {
	local d=$1 f=$2 w miss=""; shift 2
	for w in "$@"; do grep -qxF -- "$w" "$f" || miss="$miss $w"; done
	assert "$d${miss:+ (missing:$miss)}" [ -z "$miss" ]
}
COMMANDS=$(sc --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
opts_of() { sc "$1" --help | sed -n '/^options:/,$p' | grep -oE -- '--[a-z][a-z-]*' | sort -u; }

# The cases every shell runs: LINE then the expected candidates.
CASES=(
	"secretctl ex"                                "exec|extract"
	"secretctl exec store.yaml -e app/env/"       "app/env/API_TOKEN|app/env/DB_PASSWORD"
	"secretctl ren"                               "render"
	"secretctl install store.yaml --te"           "--template"
	"secretctl extract store.yaml --f"            "--file|--format"
	"secretctl extract store.yaml -e "            "app/|db/|last"
	"secretctl extract store.yaml -e app/"        "app/anch/|app/a~1b~0c|app/colon:inside|app/env/|app/nested/|app/single 'q'|app/tls.key|app/with space/"
	"secretctl extract store.yaml -e app/n"       "app/nested/"
	"secretctl extract store.yaml -e app/nested/" "app/nested/deeper/|app/nested/empty"
	"secretctl extract store.yaml -e app/nested/deeper/" "app/nested/deeper/deepest"
	"secretctl extract store.yaml -f app/e"       "app/env/"
	"secretctl extract store.yaml -e app/env/"    "app/env/API_TOKEN|app/env/DB_PASSWORD"
	"secretctl extract store.yaml -e app/with\\ " "app/with space/"
	"secretctl extract store.yaml -e 'app/with s" "app/with space/"
	"secretctl extract store.yaml -e app/with\\ space/" "app/with space/inner"
	"secretctl extract store.yaml --format "      "docker|json|podman|shell|systemd"
	"secretctl install store.yaml -f db/"         "db/password"
	"secretctl podman store.yaml -f app/t"        "app/tls.key"
	"secretctl podman store.yaml -e app/env --prefix a" ""
	"secretctl set store.yaml app/nested/"        "app/nested/deeper/|app/nested/empty"
	"secretctl unset store.yaml d"                "db/"
	"secretctl ls store.yaml app/ne"              "app/nested/"
	"secretctl recipients store.yaml rm "         "$R"
	"secretctl recipients two.yaml rm "           "$R12"
	"secretctl recipients two.yaml rm ${R:0:6}"   "$(printf '%s\n' "$R" "$R2" | grep "^${R:0:6}" | sort | paste -sd'|')"
	"secretctl recipients two.yaml rm $R "        ""
	"secretctl recipients two.yaml rm $R2 "       ""
	"secretctl recipients two.yaml add $R "       ""
	"secretctl recipients rm two.yaml "           "$R12"
	"secretctl recipients rm two.yaml $R "        ""
	"SECRETCTL_STORE secretctl recipients rm "    "$R"
	"SECRETCTL_STORE secretctl recipients rm $R " ""
	"SECRETCTL_STORE secretctl recipients rm two.yaml " "$R12"
	"secretctl extract ctl.yaml -e "              "app/|top"
	"secretctl extract ctl.yaml -e app/"          "app/normal|app/sub/"
	"secretctl extract ctl.yaml -e app/sub/"      "app/sub/ok"
	"secretctl ls ctl.yaml "                      "app/|top"
	"secretctl completion "                       "bash|fish|zsh"
	"secretctl apply host.apply.yaml --unit "     "a.service|b@x.service|c.target"
	"secretctl apply host.apply.yaml -u b"        "b@x.service"
	"secretctl apply host.apply.yaml --pr"        "--prune"
	"secretctl extract stor"                      "store.yaml|store2.yaml|store3.yaml"
	"SECRETCTL_STORE secretctl extract -e app/nested/" "app/nested/deeper/|app/nested/empty"
	"SECRETCTL_STORE secretctl extract -f db/"    "db/password"
	"SECRETCTL_STORE secretctl set app/e"         "app/env/"
)

# (under valgrind: every 13th secretctl the completion functions run is
# under memcheck)
run_cases() { # SHELL COMPLETER: COMPLETER LINE OUTFILE writes the candidates
	local sh=$1 fn=$2 i line exp
	export VG_EVERY=13
	for ((i = 0; i < ${#CASES[@]}; i += 2)); do
		line=${CASES[i]} exp=${CASES[i + 1]}
		if [[ $line == "SECRETCTL_STORE "* ]]; then
			line=${line#SECRETCTL_STORE }
			SECRETCTL_STORE=$T/store.yaml $fn "$line" cands
			check "$sh: '$line' with \$SECRETCTL_STORE" "$exp" cands
		else
			$fn "$line" cands
			check "$sh: '$line'" "$exp" cands
		fi
	done
	$fn "secretctl " cands
	contains "$sh: every command is offered" cands $COMMANDS
	local c bad=""
	for c in $COMMANDS; do
		$fn "secretctl $c --" cands
		for o in $(opts_of "$c"); do grep -qxF -- "$o" cands || bad="$bad $c:$o"; done
	done
	assert "$sh: every option of every command is offered${bad:+ (missing:$bad)}" [ -z "$bad" ]
	vg_sample_end
}

# --- bash, with bash-completion loaded: COMP_WORDS/COMP_CWORD, call the function
BC=/usr/share/bash-completion/bash_completion
if [ ! -f "$BC" ]; then
	skip "bash: bash-completion is not installed ($BC)"
else
	# Words are split as readline does: by a small lexer (a quote left open
	# stays in the word), then at '=' and ':' (COMP_WORDBREAKS).
	cat > bcomp.sh <<EOF
. $BC
. $TOP/completions/bash/secretctl
EOF
	cat >> bcomp.sh <<'EOF'
line=$1 w='' q='' words=()
for ((i = 0; i < ${#line}; i++)); do
	c=${line:i:1}
	if [[ -n $q ]]; then w+=$c; [[ $c == "$q" ]] && q=''; continue; fi
	case $c in
	\\) w+=$c${line:i+1:1}; ((i++)) ;;
	\'|\") w+=$c; q=$c ;;
	' ') [[ -n $w ]] && words+=("$w"); w='' ;;
	*) w+=$c ;;
	esac
done
words+=("$w")
COMP_WORDS=()
for w in "${words[@]}"; do
	split=0
	while [[ $w =~ ^([^:=]*)([:=]+)(.*)$ ]]; do
		[[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
		COMP_WORDS+=("${BASH_REMATCH[2]}"); w=${BASH_REMATCH[3]}; split=1
	done
	[[ -n $w || $split == 0 ]] && COMP_WORDS+=("$w")
done
COMP_LINE=$line COMP_POINT=${#line} COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMPREPLY=()
_secretctl secretctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
# readline puts back what it cut at ':' and '='
pre=''
[[ ${words[-1]} == *[:=]* ]] && pre=${words[-1]%"${words[-1]##*[:=]}"}
((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]/#/$pre}"
EOF
	bash_complete() { bash --norc --noprofile bcomp.sh "$1" > "$2" 2>/dev/null; }
	bash_complete "secretctl extract store.yaml -e app/colon:" cands
	check "bash: a key with ':' completes past readline's word break" "app/colon:inside" cands
	run_cases bash bash_complete
	# exec ... -- COMMAND: the command's name
	bash_complete "secretctl exec store.yaml -e app/env -- secretct" cands
	check "bash: exec -- completes the command" "secretctl" cands
fi

# --- zsh: an interactive zsh on a pty (zpty), TAB, every match recorded
if ! command -v zsh >/dev/null; then
	skip "zsh: zsh is not installed"
else
	mkdir zfunc && cp "$TOP/completions/zsh/_secretctl" zfunc/
	cat > zcap.zsh <<'EOF'
# usage: zsh -f zcap.zsh FPATH_DIR HITS_FILE LINE: TAB at the end of LINE in
# an interactive zsh on a pty; every match compadd gets goes to HITS_FILE.
zmodload zsh/zpty || exit 99
integer n=0
sync_run() {
	n+=1
	zpty -w z "$1; print -r -- SYNC\$(($n*7))"
	zpty -r -m z out "*SYNC$((n*7))*" || { print -r -- "zcap: no reply to: $1" >&2; exit 98; }
}
zpty z zsh -f -i
sync_run "PS1='' PS2=''; unsetopt zle_bracketed_paste auto_list list_ambiguous list_beep beep; HITS=${(q)2}"
sync_run "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D; bindkey '^I' complete-word"
sync_run 'compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
	local -a __h; builtin compadd -A __h "$@"; local r=$?
	(( $#__h )) && print -rl -- "${(@)${(@Q)__h}/#/${(Q)IPREFIX}}" >> $HITS
	builtin compadd "$@"; return r; }'
sleep 0.05
zpty -w -n z "$3"$'\t'
sync_run $'\C-u'true
zpty -d z
EOF
	zsh_complete() { rm -f "$2"; : > "$2"; timeout 20 zsh -f zcap.zsh "$T/zfunc" "$T/$2" "$1" 2>/dev/null; }
	zsh_complete "secretctl extract store.yaml -e app/colon:" cands
	check "zsh: a key with ':' completes" "app/colon:inside" cands
	run_cases zsh zsh_complete
	zsh_complete "secretctl exec store.yaml -e app/env -- secretct" cands
	check "zsh: exec -- completes the command" "secretctl" cands
	zsh_complete "secretctl exec store.yaml -e app/env -- secretctl ren" cands
	check "zsh: exec -- secretctl completes secretctl's own arguments" "render" cands
fi

# --- fish: complete -C
if ! command -v fish >/dev/null; then
	skip "fish: fish is not installed"
else
	fish_complete() {
		fish --no-config -c "source '$TOP/completions/fish/secretctl.fish'; complete -C \"\$argv[1]\"" "$1" 2>/dev/null |
			cut -f1 > "$2"
	}
	fish_complete "secretctl extract store.yaml -e app/colon:" cands
	check "fish: a key with ':' completes" "app/colon:inside" cands
	run_cases fish fish_complete
	fish_complete "secretctl exec store.yaml -e app/env -- secretct" cands
	check "fish: exec -- completes the command" "secretctl" cands
fi
