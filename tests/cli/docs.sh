#!/bin/bash
# Documentation and packaging: the man page builds and renders without
# warnings and covers every command, option, environment variable and exit
# code; make install / uninstall put every file where the tools look; the
# example units pass systemd-analyze verify with secretctl installed under a
# temporary root; the systemd-creds recipe of the system example works.
. "$(dirname "$0")/lib.sh"
need scdoc man

cd "$T"
SCD=$TOP/docs/secretctl.1.scd
scdoc < "$SCD" > secretctl.1 2> scdoc.err
assert "scdoc builds the man page" bash -c "[ -s secretctl.1 ] && [ ! -s scdoc.err ]"
render() { MANWIDTH=80 man --warnings -l "$1" > page.txt 2> warn.txt; }
render secretctl.1
assert "man --warnings renders it without a warning" bash -c "[ -s page.txt ] && [ ! -s warn.txt ]"
[ -s warn.txt ] && diag < warn.txt
# the check itself can fail: a page with a mistake in it warns
{ cat secretctl.1; printf '.XX undefined macro\n'; } > bad.1
render bad.1
assert "a page with an undefined macro does warn (the check can fail)" [ -s warn.txt ]
BUILT=$BUILD/docs/secretctl.1
if [ -s "$BUILT" ]; then
	render "$BUILT"
	assert "the built page ($BUILT) renders without a warning" bash -c "[ -s page.txt ] && [ ! -s warn.txt ]"
else
	skip "no built page at $BUILT (make builds it)"
fi
render secretctl.1

# coverage: every command, every long option, every exit code, every variable
COMMANDS="$(sc --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }') install-write podman-driver"
miss=""
for c in $COMMANDS; do grep -qE "^       $c( |$)" page.txt || miss="$miss $c"; done
assert "every command has an entry${miss:+ (missing:$miss)}" [ -z "$miss" ]
miss=""
for c in $COMMANDS; do
	for o in $(sc "$c" --help | sed -n '/^options:/,$p' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$o" page.txt || miss="$miss $c:$o"
	done
done
assert "every option of every command is documented${miss:+ (missing:$miss)}" [ -z "$miss" ]
miss=""
for n in 0 1 2 3 4 5 6 7 8 9; do
	sed -n '/^EXIT STATUS/,/^[A-Z]/p' page.txt | grep -qE "^       $n$" || miss="$miss $n"
done
assert "every exit code is documented${miss:+ (missing:$miss)}" [ -z "$miss" ]
vars=$(grep -rhoE 'getenv\("[A-Z_]+"\)|define [A-Z_]+_ENV "[A-Z_]+"' "$TOP/src" "$TOP/cmd" |
	grep -oE '"[A-Z_]+"' | tr -d '"' | sort -u)
miss=""
for v in $vars; do sed -n '/^ENVIRONMENT/,/^FILES/p' page.txt | grep -qw -- "$v" || miss="$miss $v"; done
assert "every environment variable the code reads is documented${miss:+ (missing:$miss)}" [ -z "$miss" ]
assert "the page has FILES and SEE ALSO" bash -c "grep -q '^FILES' page.txt && grep -q '^SEE ALSO' page.txt"

# --- make install / uninstall
need make pkg-config
ROOT=$T/root
run make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr install
assert_rc 0 "make install DESTDIR=... PREFIX=/usr"
BASHDIR=$(pkg-config --define-variable=prefix=/usr --variable=completionsdir bash-completion 2>/dev/null)
FISHDIR=$(pkg-config --define-variable=prefix=/usr --variable=completionsdir fish 2>/dev/null)
: "${BASHDIR:=/usr/share/bash-completion/completions}" "${FISHDIR:=/usr/share/fish/vendor_completions.d}"
# the Makefile picks vendor-completions where Debian's zsh looks, else site-functions
ZSHDIR=/usr/share/zsh/site-functions
[ -d /usr/share/zsh/vendor-completions ] && ZSHDIR=/usr/share/zsh/vendor-completions
FILES="/usr/bin/secretctl /usr/share/man/man1/secretctl.1 $BASHDIR/secretctl
	$ZSHDIR/_secretctl $FISHDIR/secretctl.fish"
miss=""
for f in $FILES; do [ -f "$ROOT$f" ] || miss="$miss $f"; done
assert "it installs the binary, the man page and three completion files${miss:+ (missing:$miss)}" [ -z "$miss" ]
assert "the installed binary runs" bash -c "'$ROOT/usr/bin/secretctl' --version | grep -q '^secretctl '"
assert "the installed man page is the page" bash -c "man -l '$ROOT/usr/share/man/man1/secretctl.1' 2>/dev/null | grep -q 'KEY SOURCES'"
assert "bash-completion loads completions from $BASHDIR" \
	bash -c "[ '$BASHDIR' = \"\$(pkg-config --variable=completionsdir bash-completion)\" ]"
if command -v fish >/dev/null; then
	assert "fish reads $FISHDIR" bash -c "HOME='$T/home' fish -c 'printf \"%s\n\" \$fish_complete_path' | grep -qx '$FISHDIR'"
fi
if command -v zsh >/dev/null; then
	assert "zsh reads $ZSHDIR" bash -c "zsh -fc 'print -l \$fpath' | grep -qx '$ZSHDIR'"
fi
assert "the installed completion files are the ones in completions/" bash -c "
	cmp -s '$ROOT$BASHDIR/secretctl' '$TOP/completions/bash/secretctl' &&
	cmp -s '$ROOT$ZSHDIR/_secretctl' '$TOP/completions/zsh/_secretctl' &&
	cmp -s '$ROOT$FISHDIR/secretctl.fish' '$TOP/completions/fish/secretctl.fish'"

# --- the example units, with secretctl under the temporary root
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze is not installed"
else
	mkdir -p "$ROOT/usr/lib/systemd" "$ROOT/etc/systemd/system"
	cp -r /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"  # the targets units refer to
	[ -e "$ROOT/usr/bin/podman" ] || cp /bin/true "$ROOT/usr/bin/podman"  # stands in for podman
	[ -e "$ROOT/usr/bin/caddy" ] || cp /bin/true "$ROOT/usr/bin/caddy"  # and for caddy (examples/template)
	units=""
	for u in "$TOP"/examples/*/*.service; do
		cp "$u" "$ROOT/etc/systemd/system/"
		units="$units $(basename "$u")"
	done
	assert "there are example units" [ -n "$units" ]
	for u in $units; do
		run systemd-analyze verify --root="$ROOT" "$u"
		assert_rc 0 "systemd-analyze verify $u (secretctl in the temporary root)"
	done
	mv "$ROOT/usr/bin/secretctl" "$ROOT/usr/bin/secretctl.off"
	run systemd-analyze verify --root="$ROOT" $units
	assert "without secretctl installed, verify fails (the check can fail)" \
		bash -c "[ $RC != 0 ] && grep -q 'secretctl is not executable' '$T/err'"
	mv "$ROOT/usr/bin/secretctl.off" "$ROOT/usr/bin/secretctl"
	assert "the quadlet .container and the .service install and podman the same secrets" bash -c "
		diff <(grep '^ExecStartPre=' '$TOP/examples/quadlet/app.container') \
		     <(grep '^ExecStartPre=' '$TOP/examples/quadlet/app.service')"
	assert "...and hand podman the same env file and secrets (EnvironmentFile=, Secret= as --env-file, --secret)" bash -c "
		diff <(sed -n 's/^EnvironmentFile=/--env-file /p; s/^Secret=/--secret /p' '$TOP/examples/quadlet/app.container') \
		     <(grep -v '^#' '$TOP/examples/quadlet/app.service' | grep -oE -- '--(env-file|secret) [^ ]+')"
fi

# --- the system example's credential: systemd-creds encrypt, then secretctl
#     finds the identity in $CREDENTIALS_DIRECTORY
if ! command -v systemd-creds >/dev/null; then
	skip "systemd-creds is not installed"
else
	sc keygen -o identity.txt 2>/dev/null
	printf 'app:\n  env:\n    TOKEN: from-credential\n' > plain.yaml
	sc encrypt plain.yaml -r "$(sc keygen -y identity.txt)" -o store.yaml
	cmdline=$(grep -oE 'systemd-creds encrypt --name=secretctl-identity' "$TOP/examples/system/app-secrets.service")
	assert "the system example says how to make the credential" [ -n "$cmdline" ]
	run systemd-creds encrypt --name=secretctl-identity identity.txt cred.enc
	assert_rc 0 "systemd-creds encrypt --name=secretctl-identity"
	mkdir -m 700 creds
	run systemd-creds decrypt --name=secretctl-identity cred.enc creds/secretctl-identity
	assert "systemd decrypts it back to the identity" bash -c "[ $RC = 0 ] && cmp -s creds/secretctl-identity identity.txt"
	mv identity.txt identity.off
	run env CREDENTIALS_DIRECTORY="$T/creds" "$SECRETCTL" extract store.yaml -e app/env
	assert "secretctl takes the identity from \$CREDENTIALS_DIRECTORY" bash -c "[ $RC = 0 ] && grep -qx 'TOKEN=from-credential' '$T/out'"
	run "$SECRETCTL" extract store.yaml -e app/env
	assert_rc 4 "without it, no identity opens the store"
fi

run make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr uninstall
assert_rc 0 "make uninstall"
left=""
for f in $FILES; do [ -e "$ROOT$f" ] && left="$left $f"; done
assert "make uninstall removes every installed file${left:+ (left:$left)}" [ -z "$left" ]
