/* libFuzzer harness for the age parsers: ASCII armor, the header (stanzas,
 * MAC line), and decryption with a fixed identity and passphrase, so that
 * inputs derived from a valid file reach the MAC check and the STREAM. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "secretctl/age.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An identity from the C2SP vectors, so their files make useful seeds. */
static const char id_text[] =
	"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct age_identity *id;
	struct age_keys k = { 0 };
	struct age_idlist ids = { 0 };
	struct buf b = { 0 }, re = { 0 }, first = { 0 };
	struct secmem out = { 0 };
	struct err e;

	if (!id) {
		if (secmem_init() != 0 || !(id = secmem_alloc(sizeof *id)) ||
		    age_identity_parse(id_text, sizeof id_text - 1, id, &e))
			__builtin_trap();
	}
	age_header_check(data, size, &e);
	/* armor: what decodes must encode back and decode to the same bytes */
	if (age_armor_decode(data, size, &b, &e) == 0) {
		if (age_armor_encode((const unsigned char *)b.p, b.len, &re, &e) ||
		    age_armor_decode((const unsigned char *)re.p, re.len, &first, &e) ||
		    first.len != b.len || (b.len && memcmp(first.p, b.p, b.len)))
			__builtin_trap();
	}
	age_identity_file_parse(data, size, &ids, &e);
	age_idlist_free(&ids);
	age_is_encrypted(data, size);
	k.ids = id;
	k.n_ids = 1;
	k.passphrase = (const unsigned char *)"password";
	k.passphrase_len = 8;
	k.max_log_n = 10; /* the vectors use 10; more would only slow the fuzzer */
	if (age_decrypt(data, size, &k, &out, &e) != 0 && e.code != ERR_FAIL &&
	    (e.sub < AGE_FAIL_ARMOR || e.sub > AGE_FAIL_PAYLOAD))
		__builtin_trap();
	secmem_free(&out);
	buf_free(&b);
	buf_free(&re);
	buf_free(&first);
	return 0;
}
