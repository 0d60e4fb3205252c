/* b64: strict standard base64 (RFC 4648 §4, with padding) for tokens and
 * MACs. Canonical only: length a multiple of 4, padding only at the end,
 * unused bits zero, nothing outside the alphabet. libsodium 1.0.18's
 * decoder takes some bytes >= 0x80 for base64 characters and is slow on
 * the extract path, hence this. */
#ifndef SECRETCTL_B64_H
#define SECRETCTL_B64_H

#include <stddef.h>

/* Decoded length of n valid characters (an upper bound before checking). */
#define B64_DECODED_MAX(n) ((n) / 4 * 3)

/* Decode s[0..n) into out (room for B64_DECODED_MAX(n)); *len is set.
 * 0, or -1 when s is not canonical base64 (out is then undefined). */
int b64_decode(const char *s, size_t n, unsigned char *out, size_t *len);
/* Length of the longest prefix of s[0..n) made of base64 characters
 * (alphabet and '='), whatever their order: the store scanner's token
 * check, which finds where a token ends in the same pass. Whether they
 * are canonical base64 is b64_decode's to say, when a token is opened. */
size_t b64_span(const char *s, size_t n);

#endif
