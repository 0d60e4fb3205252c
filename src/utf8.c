/* utf8: strict decoding, one sequence at a time. */
#include "secretctl/utf8.h"

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len;

	if (!n)
		return 0;
	if (s[0] < 0x80) {
		len = 1, c = s[0], min = 0;
	} else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2, c = s[0] & 0x1F, min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3, c = s[0] & 0x0F, min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	if (cp)
		*cp = c;
	return len;
}

size_t utf8_invalid(const unsigned char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		l = utf8_decode(s + i, n - i, NULL);
		if (!l)
			return i;
		i += l;
	}
	return n;
}
