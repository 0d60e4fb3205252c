/* bech32: BIP-173 Bech32 as age uses it (no 90-character limit, a human
 * readable part of any length, 8-bit data without padding). */
#ifndef SECRETCTL_BECH32_H
#define SECRETCTL_BECH32_H

#include <stddef.h>

/* Length of the encoding of n data bytes with a hrp of hrp_len characters,
 * without the NUL. */
size_t bech32_encoded_len(size_t hrp_len, size_t n);

/* hrp (lower case) + "1" + data + checksum, lower case, NUL-terminated, into
 * out[0..cap). Returns 0, or -1 when out is too small or hrp is invalid. */
int bech32_encode(char *out, size_t cap, const char *hrp, const unsigned char *data, size_t n);

/* Decode s[0..len): rejects mixed case, bad characters, a bad checksum and
 * non-zero padding. The hrp is copied as written (case kept) into
 * hrp[0..hrp_cap) NUL-terminated; the data into data[0..data_cap), its length
 * in *n. Returns 0, or -1 with *why set to a static reason (never echoing s). */
int bech32_decode(const char *s, size_t len, char *hrp, size_t hrp_cap, unsigned char *data,
		  size_t data_cap, size_t *n, const char **why);

#endif
