/* keyslot: one key slot of a store (docs/FORMAT.md, "Key slots"): an age
 * file holding the data key, for one recipient or for the passphrase.
 * splice reads them from a store's metadata, store keeps and writes them,
 * identity opens them: all three with this struct. */
#ifndef SECRETCTL_KEYSLOT_H
#define SECRETCTL_KEYSLOT_H

#include <stddef.h>

struct keyslot {
	char *recipient;     /* "age1..."; NULL for the passphrase (scrypt) slot */
	int scrypt;          /* 1: the passphrase slot ("passphrase: scrypt") */
	/* the age file: a store's is armored text (LF line ends, NUL after
	 * it); identity_unlock takes a binary one too */
	char *data_key;
	size_t data_key_len;
	unsigned line, col;  /* where a scanned store has it, for messages; else 0 */
};

#endif
