#include "secretctl/b64.h"

#include <stdint.h>

/* 0..63, or 64 for '=', or 255 for anything else */
static const uint8_t dec[256] = {
#define X 255
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X,
	X, 64, X, X, X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
	22, 23, 24, 25, X, X, X, X, X, X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

static int run(const char *s, size_t n, unsigned char *out, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		uint8_t a = dec[p[i]], b = dec[p[i + 1]], c = dec[p[i + 2]], d = dec[p[i + 3]];
		int last = i + 4 == n;

		if ((a | b) >= 64)
			return -1;
		if (c == 64 || d == 64) {
			/* padding: only in the last quantum, "x===" never, and the
			 * bits it drops must be zero (canonical) */
			if (!last || d != 64 || (c == 64 ? (b & 0x0f) : (c > 63 || (c & 0x03))))
				return -1;
			if (out) {
				out[o] = (unsigned char)(a << 2 | b >> 4);
				if (c != 64)
					out[o + 1] = (unsigned char)(b << 4 | c >> 2);
			}
			o += c == 64 ? 1 : 2;
			break;
		}
		if ((c | d) > 63)
			return -1;
		if (out) {
			out[o] = (unsigned char)(a << 2 | b >> 4);
			out[o + 1] = (unsigned char)(b << 4 | c >> 2);
			out[o + 2] = (unsigned char)(c << 6 | d);
		}
		o += 3;
	}
	if (len)
		*len = o;
	return 0;
}

int b64_decode(const char *s, size_t n, unsigned char *out, size_t *len)
{
	return run(s, n, out, len);
}

static int b64_char(unsigned char c)
{
	return dec[c] != 255;
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Bit i set when byte i of the 16 at p is a base64 character or '='. */
static unsigned span16(const unsigned char *p)
{
	__m128i c = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* letters: c | 0x20 in 'a'..'z'; digits: '0'..'9'; c | 4 == '/' is
	 * exactly '+' or '/'. A range is one signed compare once its start
	 * is moved to -128. */
	__m128i lc = _mm_or_si128(c, _mm_set1_epi8(0x20));
	__m128i letter = _mm_cmplt_epi8(_mm_add_epi8(lc, _mm_set1_epi8((char)(0x80 - 'a'))),
					_mm_set1_epi8((char)(0x80 + 26)));
	__m128i digit = _mm_cmplt_epi8(_mm_add_epi8(c, _mm_set1_epi8((char)(0x80 - '0'))),
				       _mm_set1_epi8((char)(0x80 + 10)));
	__m128i sym = _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(c, _mm_set1_epi8(4)),
						  _mm_set1_epi8('/')),
				   _mm_cmpeq_epi8(c, _mm_set1_epi8('=')));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), sym));
}
#endif

size_t b64_span(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

#ifdef __SSE2__
	if (n >= 16) {
		unsigned m;

		for (; i + 16 <= n; i += 16) {
			m = span16(p + i);
			if (m != 0xffff)
				return i + (size_t)__builtin_ctz(~m);
		}
		if (i == n)
			return n;
		/* the last 16 bytes, overlapping those already seen */
		m = span16(p + n - 16) | ((1u << (16 - (n - i))) - 1);
		return m == 0xffff ? n : n - 16 + (size_t)__builtin_ctz(~m);
	}
#endif
	while (i < n && b64_char(p[i]))
		i++;
	return i;
}
