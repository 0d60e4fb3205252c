/* What the harnesses that open stores share (fuzz_store, fuzz_cli): the
 * demo identity as the only key, no terminal, and no other key source.
 * A header of static definitions: each harness is one translation unit,
 * and links with -Wl,--wrap=tty_available (its FUZZ_LDFLAGS line). */
#ifndef FUZZ_DEMO_H
#define FUZZ_DEMO_H

#include <stdlib.h>

int __wrap_tty_available(void);

/* No terminal: a passphrase slot is never opened. */
int __wrap_tty_available(void)
{
	return 0;
}

/* The demo identity (examples/demo/identity.txt): it ships with secretctl
 * and is public; every seed store has a slot for it. */
static const char demo_identity[] =
	"# DEMO ONLY\n"
	"# public key: age1ec63aq35djeqymp8n72tw8gkg6p0pyndvd7yqz6r8pvskcazeccqqyktaq\n"
	"AGE-SECRET-KEY-1A74M4W6Y8YJSA6VPALE2DX0ZH5UAF2ZGFKNYXNN58TMNS2VMRRSQMRULY8\n";

/* No key source but the identity the harness passes: no identity or store
 * from the environment, no credentials directory, no session bus (so no
 * keyring), and a HOME without identity files. */
static void fuzz_only_demo_identity(void)
{
	unsetenv("SECRETCTL_IDENTITY");
	unsetenv("SECRETCTL_STORE");
	unsetenv("CREDENTIALS_DIRECTORY");
	unsetenv("SOPS_AGE_KEY_FILE");
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	unsetenv("XDG_RUNTIME_DIR");
	setenv("HOME", "/nonexistent-fuzz-home", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent-fuzz-home/.config", 1);
}

#endif
