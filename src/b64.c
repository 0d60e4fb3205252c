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

int b64_decode_form(const char *s, size_t n, enum b64_form form, unsigned char *out,
		    size_t cap, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t body = n, full, rest, o = 0;

	if (form == B64_PADDED) {
		/* a multiple of 4, and at most two '=' that make up the last
		 * quantum; any other '=' fails below as a non-character */
		if (n % 4)
			return -1;
		if (n && p[n - 1] == '=')
			body = n - (p[n - 2] == '=' ? 2 : 1);
	}
	full = body / 4;
	rest = body % 4;
	if (rest == 1 || full * 3 + (rest ? rest - 1 : 0) > cap)
		return -1;
	for (size_t i = 0; i < full * 4; i += 4) {
		uint8_t a = dec[p[i]], b = dec[p[i + 1]], c = dec[p[i + 2]], d = dec[p[i + 3]];

		if ((a | b | c | d) > 63)
			return -1;
		out[o] = (unsigned char)(a << 2 | b >> 4);
		out[o + 1] = (unsigned char)(b << 4 | c >> 2);
		out[o + 2] = (unsigned char)(c << 6 | d);
		o += 3;
	}
	if (rest) {
		const unsigned char *q = p + full * 4;
		uint8_t a = dec[q[0]], b = dec[q[1]], c = rest == 3 ? dec[q[2]] : 0;

		/* the bits past the last byte must be zero (canonical) */
		if ((a | b | c) > 63 || (rest == 2 ? b & 0x0f : c & 0x03))
			return -1;
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		if (rest == 3)
			out[o++] = (unsigned char)(b << 4 | c >> 2);
	}
	*len = o;
	return 0;
}

int b64_decode(const char *s, size_t n, unsigned char *out, size_t *len)
{
	return b64_decode_form(s, n, B64_PADDED, out, B64_DECODED_MAX(n), len);
}

void b64_encode_to(char *dst, const void *p, size_t n, enum b64_form form)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = p;
	char *o = dst;
	size_t i;

	for (i = 0; i + 3 <= n; i += 3, o += 4) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		o[0] = alpha[v >> 18];
		o[1] = alpha[v >> 12 & 63];
		o[2] = alpha[v >> 6 & 63];
		o[3] = alpha[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		*o++ = alpha[v >> 18];
		*o++ = alpha[v >> 12 & 63];
		if (i + 1 < n)
			*o++ = alpha[v >> 6 & 63];
		else if (form == B64_PADDED)
			*o++ = '=';
		if (form == B64_PADDED)
			*o++ = '=';
	}
	*o = '\0';
}

int b64_encode(struct buf *out, const void *p, size_t n, enum b64_form form)
{
	size_t need;

	if (out->len > SIZE_MAX - 5 || n > (SIZE_MAX - out->len - 5) / 4 * 3)
		return -1;
	need = B64_ENCODED_LEN(n, form);
	if (buf_reserve(out, out->len + need))
		return -1;
	b64_encode_to(out->p + out->len, p, n, form);
	out->len += need;
	return 0;
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
