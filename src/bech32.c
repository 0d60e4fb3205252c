#include "secretctl/bech32.h"

#include <string.h>

#include <sodium.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static unsigned polymod_step(unsigned chk, unsigned v)
{
	static const unsigned gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
					 0x2a1462b3 };
	unsigned top = chk >> 25;
	int i;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/* Checksum state after the (lower-cased) human readable part. */
static unsigned hrp_polymod(const char *hrp, size_t n)
{
	unsigned chk = 1;
	size_t i;

	for (i = 0; i < n; i++)
		chk = polymod_step(chk, ((unsigned char)hrp[i] | 0x20) >> 5);
	chk = polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = polymod_step(chk, ((unsigned char)hrp[i] | 0x20) & 31);
	return chk;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

size_t bech32_encoded_len(size_t hrp_len, size_t n)
{
	return hrp_len + 1 + (n * 8 + 4) / 5 + 6;
}

int bech32_encode(char *out, size_t cap, const char *hrp, const unsigned char *data, size_t n)
{
	size_t hl = strlen(hrp), o, i;
	unsigned chk, acc = 0, bits = 0;

	if (hl < 1 || cap <= bech32_encoded_len(hl, n))
		return -1;
	for (i = 0; i < hl; i++)
		if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z'))
			return -1;
	chk = hrp_polymod(hrp, hl);
	memcpy(out, hrp, hl);
	o = hl;
	out[o++] = '1';
	for (i = 0; i < n; i++) {
		acc = (acc << 8 | data[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			chk = polymod_step(chk, (acc >> bits) & 31);
			out[o++] = charset[(acc >> bits) & 31];
		}
	}
	if (bits) {
		chk = polymod_step(chk, (acc << (5 - bits)) & 31);
		out[o++] = charset[(acc << (5 - bits)) & 31];
	}
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
	out[o] = '\0';
	sodium_memzero(&acc, sizeof acc); /* held key bits */
	return 0;
}

int bech32_decode(const char *s, size_t len, char *hrp, size_t hrp_cap, unsigned char *data,
		  size_t data_cap, size_t *n, const char **why)
{
	size_t pos, i, o = 0;
	int has_lower = 0, has_upper = 0, rc = -1;
	unsigned chk, acc = 0, bits = 0, v = 0;
	const char *p;

	*n = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126) {
			*why = "invalid character";
			return -1;
		}
		has_lower |= c >= 'a' && c <= 'z';
		has_upper |= c >= 'A' && c <= 'Z';
	}
	if (has_lower && has_upper) {
		*why = "mixed case";
		return -1;
	}
	for (pos = len; pos > 0 && s[pos - 1] != '1'; pos--)
		;
	/* pos is one past the separator; the hrp is non-empty and the
	 * checksum needs 6 characters. */
	if (pos < 2 || len - pos < 6) {
		*why = "separator '1' at invalid position";
		return -1;
	}
	if (pos > hrp_cap) {
		*why = "human-readable part too long";
		return -1;
	}
	memcpy(hrp, s, pos - 1);
	hrp[pos - 1] = '\0';
	chk = hrp_polymod(s, pos - 1);
	for (i = pos; i < len; i++) {
		p = strchr(charset, lower((unsigned char)s[i]));
		if (!p) {
			*why = "invalid character";
			goto out;
		}
		v = (unsigned)(p - charset);
		chk = polymod_step(chk, v);
		if (i >= len - 6)
			continue;
		acc = (acc << 5 | v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= data_cap) {
				*why = "data too long";
				goto out;
			}
			data[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (chk != 1) {
		*why = "invalid checksum";
		goto out;
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1))) {
		*why = "invalid padding";
		goto out;
	}
	*n = o;
	rc = 0;
out:
	if (rc)
		sodium_memzero(data, o);
	sodium_memzero(&acc, sizeof acc);
	sodium_memzero(&v, sizeof v);
	return rc;
}
