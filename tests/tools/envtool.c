/* envtool: drive envfmt from the shell, for tests/cli/envfmt_*.sh.
 *
 *   envtool [-p PREFIX] DIALECT NAME [FILE]     render one value (stdin, or FILE)
 *   envtool [-p PREFIX] DIALECT NAME FILE...    render NAME FILE pairs, all or nothing
 *   envtool --hex NAME FILE...                  print NAME=HEX for NAME FILE pairs
 *   envtool --hex-nul NAME...                   stdin: NUL-terminated values; NAME=HEX
 *   envtool --unquote-generator                 stdin: what systemd's environment.d
 *                                               generator prints; NAME=HEX lines
 *   envtool --gen SEED COUNT MAXLEN KIND DIR    write COUNT random values to DIR/0...
 *       KIND: bytes (1-255) | utf8[,nodollar][,nolf]
 *
 * PREFIX makes the PATH in messages PREFIX/NAME. Exit status: the error
 * code, with one line "envtool: message" on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secretctl/buf.h"
#include "secretctl/envfmt.h"
#include "secretctl/err.h"
#include "secretctl/io.h"
#include "secretctl/secmem.h"

static int die(int code, const char *msg)
{
	fprintf(stderr, "envtool: %s\n", msg);
	return code;
}

#define ENVTOOL_READ_MAX ((size_t)1 << 30)

static int read_stdin(struct secmem *m, struct err *e)
{
	return io_read_fd_secret(0, "standard input", ENVTOOL_READ_MAX, m, e);
}

static int read_path(const char *path, struct secmem *m, struct err *e)
{
	return io_read_file_secret(path, ENVTOOL_READ_MAX, m, e);
}

static void put_hex(const char *name, size_t name_len, const unsigned char *v, size_t n)
{
	size_t i;

	printf("%.*s=", (int)name_len, name);
	for (i = 0; i < n; i++)
		printf("%02x", v[i]);
	putchar('\n');
}

static int cmd_render(int argc, char **argv)
{
	const char *prefix = NULL;
	enum envfmt_dialect d;
	struct envfmt_entry *v;
	struct secmem *vals, out = { 0 };
	struct buf *paths;
	struct err e = { 0 };
	size_t n, i;
	int r = 0;

	if (argc >= 2 && strcmp(argv[0], "-p") == 0) {
		prefix = argv[1];
		argc -= 2, argv += 2;
	}
	if (argc < 2 || (argc > 3 && argc % 2 == 0))
		return die(ERR_USAGE, "usage: envtool [-p PREFIX] DIALECT NAME [FILE] [NAME FILE]...");
	if (envfmt_dialect_parse(argv[0], &d, &e))
		return die(e.code, e.msg);
	n = argc == 2 ? 1 : (size_t)(argc - 1) / 2;
	v = calloc(n, sizeof *v);
	vals = calloc(n, sizeof *vals);
	paths = calloc(n, sizeof *paths);
	if (!v || !vals || !paths)
		return die(ERR_FAIL, "out of memory");
	for (i = 0; i < n && r == 0; i++) {
		const char *name = argv[1 + 2 * i];

		if (argc == 2) {
			r = read_stdin(&vals[i], &e);
		} else {
			r = read_path(argv[2 + 2 * i], &vals[i], &e);
		}
		if (prefix && buf_printf(&paths[i], "%s/%s", prefix, name))
			r = err_oom(&e);
		v[i].name = name;
		v[i].name_len = strlen(name);
		v[i].value = vals[i].p;
		v[i].value_len = vals[i].len;
		v[i].path = prefix ? paths[i].p : NULL;
	}
	if (r == 0)
		r = envfmt_render(d, v, n, &out, &e);
	if (r == 0 && (io_write_all(1, out.p, out.len) || close(1)))
		r = err_errno(&e, ERR_IO, errno, "cannot write standard output");
	for (i = 0; i < n; i++) {
		secmem_free(&vals[i]);
		buf_free(&paths[i]);
	}
	secmem_free(&out);
	free(v);
	free(vals);
	free(paths);
	return r ? die(r, e.msg) : 0;
}

static int cmd_hex(int argc, char **argv)
{
	struct err e = { 0 };
	int i;

	if (argc % 2)
		return die(ERR_USAGE, "usage: envtool --hex NAME FILE [NAME FILE]...");
	for (i = 0; i < argc; i += 2) {
		struct secmem m = { 0 };

		if (read_path(argv[i + 1], &m, &e))
			return die(e.code, e.msg);
		put_hex(argv[i], strlen(argv[i]), m.p, m.len);
		secmem_free(&m);
	}
	return fflush(stdout) ? die(ERR_IO, "cannot write standard output") : 0;
}

static int cmd_hex_nul(int argc, char **argv)
{
	struct secmem m = { 0 };
	struct err e;
	size_t off = 0;
	int i;

	if (read_stdin(&m, &e))
		return die(e.code, e.msg);
	for (i = 0; i < argc; i++) {
		const unsigned char *z = off < m.len ? memchr(m.p + off, 0, m.len - off) : NULL;

		if (!z) {
			printf("%s=<missing>\n", argv[i]);
			continue;
		}
		put_hex(argv[i], strlen(argv[i]), m.p + off, (size_t)(z - (m.p + off)));
		off = (size_t)(z - m.p) + 1;
	}
	if (off != m.len)
		printf("<trailing %zu bytes>\n", m.len - off);
	secmem_free(&m);
	return fflush(stdout) ? die(ERR_IO, "cannot write standard output") : 0;
}

/* systemd's shell_maybe_quote(): bare, or "..." with \" \\ \` \$, C escapes
 * (\n \t ...) and \ooo octal for control bytes. */
static int cmd_unquote_generator(void)
{
	struct secmem in = { 0 }, val = { 0 };
	struct err e;
	size_t i = 0;

	if (read_stdin(&in, &e))
		return die(e.code, e.msg);
	while (i < in.len) {
		const unsigned char *p = in.p;
		size_t name = i, eq;

		while (i < in.len && p[i] != '=' && p[i] != '\n')
			i++;
		if (i >= in.len || p[i] != '=')
			return die(ERR_INPUT, "generator output: line without '='");
		eq = i++;
		secmem_clear(&val);
		if (i < in.len && p[i] == '"') {
			for (i++; i < in.len && p[i] != '"'; i++) {
				unsigned char c = p[i];

				if (c == '\\' && i + 1 < in.len) {
					c = p[++i];
					switch (c) {
					case 'a': c = '\a'; break;
					case 'b': c = '\b'; break;
					case 'f': c = '\f'; break;
					case 'n': c = '\n'; break;
					case 'r': c = '\r'; break;
					case 't': c = '\t'; break;
					case 'v': c = '\v'; break;
					default:
						if (c >= '0' && c <= '7' && i + 2 < in.len) {
							c = (unsigned char)(((c - '0') << 6) |
									    ((p[i + 1] - '0') << 3) |
									    (p[i + 2] - '0'));
							i += 2;
						}
					}
				}
				if (secmem_append(&val, &c, 1))
					return die(ERR_FAIL, "out of memory");
			}
			if (i >= in.len)
				return die(ERR_INPUT, "generator output: unterminated quote");
			i++;
		} else {
			size_t s = i;

			while (i < in.len && p[i] != '\n')
				i++;
			if (secmem_append(&val, p + s, i - s))
				return die(ERR_FAIL, "out of memory");
		}
		if (i < in.len && p[i] != '\n')
			return die(ERR_INPUT, "generator output: junk after a value");
		i++;
		put_hex((const char *)p + name, eq - name, val.p, val.len);
	}
	secmem_free(&in);
	secmem_free(&val);
	return fflush(stdout) ? die(ERR_IO, "cannot write standard output") : 0;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: fixed sequence for a seed, on every machine. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t utf8_put(uint32_t c, unsigned char *o)
{
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	} else if (c < 0x800) {
		o[0] = (unsigned char)(0xc0 | (c >> 6));
		o[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	} else if (c < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (c >> 12));
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (c >> 18));
	o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

/* One random character of a utf8 value: mostly ASCII, weighted toward the
 * bytes quoting cares about. No NUL, no surrogates, no noncharacters. */
static uint32_t rand_char(int nodollar, int nolf)
{
	static const char special[] = "\"'\\`$#=; {}()*?!~&|<>%";
	uint32_t c;

	for (;;) {
		switch (rng() % 10) {
		case 0: case 1: case 2: case 3:
			c = 0x20 + (uint32_t)(rng() % 95);
			break;
		case 4:
			c = (unsigned char)special[rng() % (sizeof special - 1)];
			break;
		case 5:
			c = 1 + (uint32_t)(rng() % 32);
			if (c == 32)
				c = 0x7f;
			break;
		case 6:
			c = "\n\r\t "[rng() % 4];
			break;
		case 7:
			c = 0x80 + (uint32_t)(rng() % (0x800 - 0x80));
			break;
		case 8:
			c = 0x800 + (uint32_t)(rng() % (0x10000 - 0x800));
			break;
		default:
			c = 0x10000 + (uint32_t)(rng() % (0x110000 - 0x10000));
		}
		if ((c >= 0xd800 && c <= 0xdfff) || (c >= 0xfdd0 && c <= 0xfdef) ||
		    (c & 0xfffe) == 0xfffe)
			continue;
		if (nodollar && c == '$')
			continue;
		if (nolf && c == '\n')
			continue;
		return c;
	}
}

static int cmd_gen(int argc, char **argv)
{
	unsigned long count, maxlen, k;
	int bytes = 0, nodollar = 0, nolf = 0;
	unsigned char *v;
	char path[4096];

	if (argc != 5)
		return die(ERR_USAGE, "usage: envtool --gen SEED COUNT MAXLEN KIND DIR");
	rng_state = strtoull(argv[0], NULL, 10) * 2654435761ULL + 1;
	count = strtoul(argv[1], NULL, 10);
	maxlen = strtoul(argv[2], NULL, 10);
	if (strcmp(argv[3], "bytes") == 0) {
		bytes = 1;
	} else if (strncmp(argv[3], "utf8", 4) == 0) {
		nodollar = strstr(argv[3], "nodollar") != NULL;
		nolf = strstr(argv[3], "nolf") != NULL;
	} else {
		return die(ERR_USAGE, "KIND: bytes | utf8[,nodollar][,nolf]");
	}
	v = malloc(maxlen * 4 + 4);
	if (!v)
		return die(ERR_FAIL, "out of memory");
	for (k = 0; k < count; k++) {
		size_t len = 0, want = maxlen ? (size_t)(rng() % (maxlen + 1)) : 0, i;
		FILE *f;

		for (i = 0; i < want; i++) {
			if (bytes)
				v[len++] = (unsigned char)(1 + rng() % 255);
			else
				len += utf8_put(rand_char(nodollar, nolf), v + len);
		}
		/* nolf: what podman's env file carries, so no CR at the end
		 * either (its line reader drops one there) */
		while (nolf && len && v[len - 1] == '\r')
			len--;
		snprintf(path, sizeof path, "%s/%lu", argv[4], k);
		f = fopen(path, "wb");
		if (!f || fwrite(v, 1, len, f) != len || fclose(f))
			return die(ERR_IO, "cannot write a value file");
	}
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	if (secmem_init())
		return die(ERR_FAIL, "cannot initialise libsodium");
	if (argc >= 2 && strcmp(argv[1], "--hex") == 0)
		return cmd_hex(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "--hex-nul") == 0)
		return cmd_hex_nul(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "--unquote-generator") == 0)
		return cmd_unquote_generator();
	if (argc >= 2 && strcmp(argv[1], "--gen") == 0)
		return cmd_gen(argc - 2, argv + 2);
	return cmd_render(argc - 1, argv + 1);
}
