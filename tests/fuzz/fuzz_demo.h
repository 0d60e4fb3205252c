/* What the harnesses that open stores share (fuzz_store, fuzz_cli): the
 * demo identity as the only key, no terminal, and no other key source.
 * A header of static definitions: each harness is one translation unit,
 * and links with -Wl,--wrap=tty_available (its FUZZ_LDFLAGS line). */
#ifndef FUZZ_DEMO_H
#define FUZZ_DEMO_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/age.h"
#include "secretctl/buf.h"
#include "secretctl/splice.h"

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

/* The input with a MAC that verifies, computed here from docs/FORMAT.md
 * (not with store.c's code) with the data key the demo identity opens:
 * a mutation of the clear text then reaches what runs after the MAC
 * check, as a key holder's store would. 0 with out set, -1 when the text
 * is no version 2 store or no slot opens with the demo identity. */
static int fuzz_remac(const uint8_t *data, size_t size, struct buf *out)
{
	static const char dom[] = "secretctl/v2/mac";
	struct splice_doc d = { 0 };
	struct age_idlist ids = { 0 };
	struct secmem key = { 0 };
	struct err e;
	unsigned char kmac[32], mac[32], pre[sizeof dom + 8];
	char b64[45];
	crypto_generichash_state st;
	int rc = -1;

	out->len = 0;
	if (splice_scan_store((const char *)data, size, &d, &e) || d.version != 2 ||
	    d.mac_end - d.mac_start != 44 ||
	    age_identity_file_parse((const unsigned char *)demo_identity, sizeof demo_identity - 1,
				    &ids, &e))
		goto out;
	for (size_t i = 0; i < d.n_slots && key.len != 32; i++) {
		struct age_keys k = { ids.v, ids.n, NULL, 0, 0 };
		secmem_clear(&key);
		if (d.slots[i].data_key &&
		    age_decrypt((const unsigned char *)d.slots[i].data_key,
				strlen(d.slots[i].data_key), &k, &key, &e))
			secmem_clear(&key);
	}
	if (key.len != 32)
		goto out;
	crypto_kdf_derive_from_key(kmac, sizeof kmac, 3, "sctl_mac", key.p);
	memcpy(pre, dom, sizeof dom);
	for (int i = 0; i < 8; i++)
		pre[sizeof dom + i] = (unsigned char)((uint64_t)d.mac_start >> (56 - 8 * i));
	crypto_generichash_init(&st, kmac, sizeof kmac, sizeof mac);
	crypto_generichash_update(&st, pre, sizeof pre);
	crypto_generichash_update(&st, data, d.mac_start);
	crypto_generichash_update(&st, data + d.mac_end, size - d.mac_end);
	crypto_generichash_final(&st, mac, sizeof mac);
	sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
	if (buf_append(out, data, d.mac_start) || buf_append(out, b64, 44) ||
	    buf_append(out, data + d.mac_end, size - d.mac_end))
		abort();
	rc = 0;
out:
	secmem_free(&key);
	age_idlist_free(&ids);
	splice_doc_free(&d);
	return rc;
}

#endif
