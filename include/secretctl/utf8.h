/* utf8: the one strict UTF-8 decoder (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) of everything that reads text. */
#ifndef SECRETCTL_UTF8_H
#define SECRETCTL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1 to 4) of the UTF-8 sequence at s[0, n), its code point in
 * *cp (may be NULL); 0 when it is not a valid one (or n is 0). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* The offset of the first byte of s[0, n) that starts no valid sequence,
 * n when all of it is UTF-8. */
size_t utf8_invalid(const unsigned char *s, size_t n);

#endif
