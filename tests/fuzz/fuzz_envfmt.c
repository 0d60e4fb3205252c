/* libFuzzer harness for envfmt: the first byte picks the dialect, the rest
 * is a value. Whatever is rendered must decode back to the value (each
 * dialect's reader, in small), and a refusal must leave out untouched.
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/fuzz_envfmt.c \
 *     src/envfmt.c src/err.c src/secmem.c $(pkg-config --cflags --libs libsodium) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/envfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char dec[1 << 20];

static int hexval(unsigned char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Decode out (after "K=" / "export K=" / "{\"K\":") into dec; length or -1. */
static long decode(enum envfmt_dialect d, const unsigned char *s, size_t n)
{
	size_t i, o = 0;

	switch (d) {
	case ENVFMT_PODMAN:
		if (n < 3 || memcmp(s, "K=", 2) || s[n - 1] != '\n')
			return -1;
		memcpy(dec, s + 2, n - 3);
		return (long)(n - 3);
	case ENVFMT_SHELL:
		if (n < 12 || memcmp(s, "export K='", 10) || memcmp(s + n - 2, "'\n", 2))
			return -1;
		for (i = 10; i < n - 2; i++) {
			if (s[i] == '\'') {
				if (i + 3 >= n - 2 || memcmp(s + i, "'\\''", 4))
					return -1;
				dec[o++] = '\'';
				i += 3;
			} else {
				dec[o++] = s[i];
			}
		}
		return (long)o;
	case ENVFMT_SYSTEMD:
		if (n < 3 || memcmp(s, "K=", 2) || s[n - 1] != '\n')
			return -1;
		if (s[2] != '"') {
			for (i = 2; i < n - 1; i++)
				if (!strchr("_@%+=:,./-", s[i]) && !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
				    !(s[i] >= '0' && s[i] <= '9'))
					return -1;
			memcpy(dec, s + 2, n - 3);
			return (long)(n - 3);
		}
		if (n < 5 || s[n - 2] != '"')
			return -1;
		for (i = 3; i < n - 2; i++) {
			if (s[i] == '"' || s[i] == '`' || s[i] == '$')
				return -1; /* must have been escaped */
			if (s[i] == '\\') {
				if (i + 1 >= n - 2 || !strchr("\"\\`$", s[i + 1]))
					return -1;
				i++;
			}
			dec[o++] = s[i];
		}
		return (long)o;
	case ENVFMT_JSON:
		if (n < 9 || memcmp(s, "{\"K\":\"", 6) || memcmp(s + n - 3, "\"}\n", 3))
			return -1;
		for (i = 6; i < n - 3; i++) {
			if (s[i] < 0x20 || s[i] == '"')
				return -1;
			if (s[i] != '\\') {
				dec[o++] = s[i];
				continue;
			}
			if (++i >= n - 3)
				return -1;
			switch (s[i]) {
			case '"': case '\\': case '/': dec[o++] = s[i]; break;
			case 'b': dec[o++] = '\b'; break;
			case 'f': dec[o++] = '\f'; break;
			case 'n': dec[o++] = '\n'; break;
			case 'r': dec[o++] = '\r'; break;
			case 't': dec[o++] = '\t'; break;
			case 'u':
				if (i + 4 >= n - 3 || s[i + 1] != '0' || s[i + 2] != '0')
					return -1;
				dec[o++] = (unsigned char)(hexval(s[i + 3]) << 4 | hexval(s[i + 4]));
				i += 4;
				break;
			default:
				return -1;
			}
		}
		return (long)o;
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct secmem out = { 0 };
	struct err e = { 0 };
	struct envfmt_entry v;
	enum envfmt_dialect d;
	long n;
	int r;

	if (!init) {
		if (secmem_init())
			abort();
		init = 1;
	}
	if (size < 1 || size > 4096)
		return 0;
	d = (enum envfmt_dialect)(data[0] % 4);
	v = (struct envfmt_entry){ "K", 1, data + 1, size - 1, "fuzz/K" };
	if (secmem_append(&out, "x", 1))
		abort();
	secmem_clear(&out);
	r = envfmt_render(d, &v, 1, &out, &e);
	if (r) {
		if (r != ERR_INPUT || out.len != 0 || strncmp(e.msg, "fuzz/K: ", 8) != 0)
			abort();
		/* shell refuses only NUL */
		if (d == ENVFMT_SHELL && !memchr(data + 1, 0, size - 1))
			abort();
	} else {
		n = decode(d, out.p, out.len);
		if (n != (long)(size - 1) || memcmp(dec, data + 1, size - 1) != 0)
			abort();
	}
	secmem_free(&out);
	return 0;
}
