/* b64: the one strict standard base64 codec (RFC 4648 §4), in two forms:
 * padded (store tokens and MACs, age armor) and unpadded (age stanza
 * arguments and bodies, the age header MAC). Canonical only: nothing
 * outside the alphabet, padding exactly where the form wants it, unused
 * bits zero. libsodium 1.0.18's decoder takes some bytes >= 0x80 for
 * base64 characters and is slow on the extract path, hence this. Table
 * lookups, not constant time: for what is public or ciphertext (tokens,
 * MACs, salts, shares, wrapped keys), never for a secret value. */
#ifndef SECRETCTL_B64_H
#define SECRETCTL_B64_H

#include <stddef.h>

#include "secretctl/buf.h"

enum b64_form {
	B64_PADDED,   /* '=' pads to a multiple of 4 characters */
	B64_UNPADDED, /* no '=' at all: 4k, 4k+2 or 4k+3 characters */
};

/* Decoded length of n valid characters of either form (an upper bound
 * before checking). */
#define B64_DECODED_MAX(n) ((n) / 4 * 3 + (n) % 4 * 3 / 4)
/* Characters of n bytes encoded, without a NUL. */
#define B64_ENCODED_LEN(n, form)                                                              \
	((form) == B64_PADDED ? ((n) + 2) / 3 * 4 : (n) / 3 * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Decode s[0..n), canonical base64 of the given form, into out[0..cap);
 * *len is set. 0, or -1 when s is not canonical base64 of that form or
 * decodes to more than cap bytes (out is then undefined). */
int b64_decode_form(const char *s, size_t n, enum b64_form form, unsigned char *out,
		    size_t cap, size_t *len);
/* The padded form into out with room for B64_DECODED_MAX(n). */
int b64_decode(const char *s, size_t n, unsigned char *out, size_t *len);

/* The base64 of p[0..n) in the given form: B64_ENCODED_LEN(n, form)
 * characters and a NUL at dst. */
void b64_encode_to(char *dst, const void *p, size_t n, enum b64_form form);
/* The same appended to out (NUL-terminated after). 0, or -1 (out of
 * memory; out unchanged). */
int b64_encode(struct buf *out, const void *p, size_t n, enum b64_form form);

/* Length of the longest prefix of s[0..n) made of base64 characters
 * (alphabet and '='), whatever their order: the store scanner's token
 * check, which finds where a token ends in the same pass. Whether they
 * are canonical base64 is b64_decode's to say, when a token is opened. */
size_t b64_span(const char *s, size_t n);

#endif
