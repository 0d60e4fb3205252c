/* fastscan: the differential driver for splice_scan_store_fast.
 *   fastscan cmp FILE...            both scanners on each FILE: prints
 *                                   "equal", "unsupported: why (line N)" or
 *                                   "rejected" (both refuse) per file
 *   fastscan require FILE...        as cmp, and the fast path must accept
 *   fastscan mutate FILE N SEED     N random mutations of FILE (flip, delete,
 *                                   insert, duplicate bytes and lines)
 *   fastscan values STORE IDFILE    every scalar's value through store_value
 *                                   with the fast doc and with libyaml's
 * A mismatch (fast accepts what libyaml refuses, or the docs differ, or a
 * value differs) prints "MISMATCH" and exits 1. Mutants that fail are kept
 * in fastscan-fail-*.yaml. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/identity.h"
#include "secretctl/io.h"
#include "secretctl/secmem.h"
#include "secretctl/splice.h"
#include "secretctl/store.h"
#include "splice_cmp.h"

enum { R_EQUAL, R_UNSUP, R_REJECT, R_MISMATCH };

static int read_file(const char *name, struct buf *b)
{
	struct err e;

	if (io_read_file(name, STORE_MAX_SIZE, b, &e)) {
		fprintf(stderr, "%s: %s\n", "fastscan", e.msg);
		return -1;
	}
	return 0;
}

/* Both scanners on t[0, len). */
static int compare(const char *t, size_t len, char *why, size_t why_len)
{
	struct splice_doc f = { 0 }, y = { 0 };
	struct splice_fast_info info;
	struct err e, e2;
	int rf, ry, r;

	rf = splice_scan_store_fast(t, len, &f, &info, &e);
	ry = splice_scan_store(t, len, &y, &e2);
	if (rf == SPLICE_FAST_UNSUPPORTED) {
		snprintf(why, why_len, "%s (line %zu)", info.why ? info.why : "?", info.line);
		r = ry ? R_REJECT : R_UNSUP;
	} else if (rf) {
		snprintf(why, why_len, "fast scan failed: %s", e.msg);
		r = R_MISMATCH;
	} else if (ry) {
		snprintf(why, why_len, "fast accepts what libyaml refuses: %s", e2.msg);
		r = R_MISMATCH;
	} else if (splice_fast_doc_cmp(&f, &y, why, why_len)) {
		r = R_MISMATCH;
	} else {
		r = R_EQUAL;
	}
	splice_doc_free(&f);
	splice_doc_free(&y);
	return r;
}

static int cmd_cmp(int argc, char **argv, int require)
{
	int bad = 0;

	for (int i = 0; i < argc; i++) {
		struct buf b = { 0 };
		char why[2048];
		int r;

		if (read_file(argv[i], &b))
			return 1;
		r = compare(b.p, b.len, why, sizeof why);
		switch (r) {
		case R_EQUAL:
			printf("equal %s\n", argv[i]);
			break;
		case R_UNSUP:
			printf("unsupported %s: %s\n", argv[i], why);
			bad |= require;
			break;
		case R_REJECT:
			printf("rejected %s: %s\n", argv[i], why);
			bad |= require;
			break;
		default:
			printf("MISMATCH %s: %s\n", argv[i], why);
			bad = 1;
		}
		buf_free(&b);
	}
	return bad;
}

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One random edit of b, at a random place. */
static void mutate(struct buf *b)
{
	static const char pool[] = " -:#!&*'\"\r\n\t|>[]{},?%@`~.0aZ=+/\x80\xc3\xa9\xef\xbb\xbf";
	size_t at = b->len ? rnd() % b->len : 0, n;
	char c = pool[rnd() % (sizeof pool - 1)];

	switch (rnd() % 8) {
	case 0: /* flip a bit */
		if (b->len)
			b->p[at] ^= (char)(1u << (rnd() % 8));
		break;
	case 1: /* delete a byte */
		if (b->len) {
			memmove(b->p + at, b->p + at + 1, b->len - at - 1);
			b->len--;
		}
		break;
	case 2: /* insert a YAML-ish byte */
		buf_append(b, "", 1);
		memmove(b->p + at + 1, b->p + at, b->len - at - 1);
		b->p[at] = c;
		break;
	case 3: /* replace with a YAML-ish byte */
		if (b->len)
			b->p[at] = c;
		break;
	case 4: { /* duplicate the line at `at` */
		size_t s = at, e = at;
		struct buf l = { 0 };

		while (s > 0 && b->p[s - 1] != '\n')
			s--;
		while (e < b->len && b->p[e] != '\n')
			e++;
		if (e < b->len)
			e++;
		buf_append(&l, b->p + s, e - s);
		n = l.len;
		buf_append(b, l.p ? l.p : "", n);
		memmove(b->p + s + n, b->p + s, b->len - s - n);
		memcpy(b->p + s, l.p ? l.p : "", n);
		buf_free(&l);
		break;
	}
	case 5: { /* delete the line at `at` */
		size_t s = at, e = at;

		while (s > 0 && b->p[s - 1] != '\n')
			s--;
		while (e < b->len && b->p[e] != '\n')
			e++;
		if (e < b->len)
			e++;
		memmove(b->p + s, b->p + e, b->len - e);
		b->len -= e - s;
		break;
	}
	case 6: /* indent or unindent a line */
		while (at > 0 && b->p[at - 1] != '\n')
			at--;
		if (rnd() % 2 && b->len && b->p[at] == ' ') {
			memmove(b->p + at, b->p + at + 1, b->len - at - 1);
			b->len--;
		} else {
			buf_append(b, "", 1);
			memmove(b->p + at + 1, b->p + at, b->len - at - 1);
			b->p[at] = ' ';
		}
		break;
	default: /* cut the text */
		b->len = at;
		break;
	}
	if (b->p)
		b->p[b->len] = '\0';
}

static int cmd_mutate(const char *file, long n, unsigned long seed)
{
	struct buf orig = { 0 };
	long counts[4] = { 0 };
	int bad = 0;

	if (read_file(file, &orig))
		return 1;
	rng = seed * 2654435761u + 88172645463325252ull;
	for (long i = 0; i < n; i++) {
		struct buf b = { 0 };
		char why[2048];
		int r, edits = 1 + (int)(rnd() % 3);

		buf_append(&b, orig.p, orig.len);
		buf_append(&b, "", 0);
		while (edits--)
			mutate(&b);
		r = compare(b.p ? b.p : "", b.len, why, sizeof why);
		counts[r]++;
		if (r == R_MISMATCH) {
			char name[64];
			FILE *f;

			snprintf(name, sizeof name, "fastscan-fail-%lu-%ld.yaml", seed, i);
			f = fopen(name, "wb");
			if (f) {
				fwrite(b.p, 1, b.len, f);
				fclose(f);
			}
			printf("MISMATCH %s mutant %ld (%s): %s\n", file, i, name, why);
			bad = 1;
		}
		buf_free(&b);
	}
	printf("mutants of %s: %ld equal, %ld unsupported, %ld rejected by both, %ld mismatches\n",
	       file, counts[R_EQUAL], counts[R_UNSUP], counts[R_REJECT], counts[R_MISMATCH]);
	buf_free(&orig);
	return bad;
}

/* store_value on every scalar, with the fast doc and with libyaml's. */
static int cmd_values(const char *file, const char *idfile)
{
	const char *files[1] = { idfile };
	struct identity_opts io = { files, 1, NULL, 0 };
	struct store a = { .lock_fd = -1 }, b = { .lock_fd = -1 };
	struct splice_doc fast = { 0 };
	struct err e;
	size_t checked = 0;
	int bad = 0;

	if (store_load(file, NULL, &a, &e) || store_load(file, NULL, &b, &e) ||
	    store_unlock(&a, &io, &e) || store_unlock(&b, &io, &e)) {
		fprintf(stderr, "fastscan: %s\n", e.msg);
		return 1;
	}
	/* a: the fast doc (store_load may have fallen back); b: libyaml's */
	if (splice_scan_store_fast(a.text.p, a.text.len, &fast, NULL, &e) != 0) {
		printf("unsupported %s: no values compared\n", file);
		splice_doc_free(&fast);
		store_free(&a);
		store_free(&b);
		return 0;
	}
	splice_doc_free(&a.doc);
	a.doc = fast;
	splice_doc_free(&b.doc);
	if (splice_scan_store(b.text.p, b.text.len, &b.doc, &e)) {
		printf("MISMATCH %s: libyaml refuses: %s\n", file, e.msg);
		bad = 1;
	}
	for (size_t i = 0; !bad && i < a.doc.n_nodes; i++) {
		struct secmem va = { 0 }, vb = { 0 };
		struct err ea, eb;
		int ra, rb;

		if (a.doc.nodes[i].type != SPLICE_SCALAR)
			continue;
		ra = store_value(&a, &(struct store_ref){ .node = i }, &va, &ea);
		rb = store_value(&b, &(struct store_ref){ .node = i }, &vb, &eb);
		if (ra != rb || va.len != vb.len || (va.len && memcmp(va.p, vb.p, va.len) != 0)) {
			printf("MISMATCH %s: node %zu: value differs (%d/%d)\n", file, i, ra, rb);
			bad = 1;
		}
		checked++;
		secmem_free(&va);
		secmem_free(&vb);
	}
	if (!bad)
		printf("values equal %s: %zu scalars\n", file, checked);
	store_free(&a);
	store_free(&b);
	return bad;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0 || secmem_init())
		return 1;
	if (argc >= 3 && strcmp(argv[1], "cmp") == 0)
		return cmd_cmp(argc - 2, argv + 2, 0);
	if (argc >= 3 && strcmp(argv[1], "require") == 0)
		return cmd_cmp(argc - 2, argv + 2, 1);
	if (argc == 5 && strcmp(argv[1], "mutate") == 0)
		return cmd_mutate(argv[2], strtol(argv[3], NULL, 10), strtoul(argv[4], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "values") == 0)
		return cmd_values(argv[2], argv[3]);
	fprintf(stderr, "usage: fastscan cmp|require FILE... | mutate FILE N SEED | values STORE IDFILE\n");
	return 2;
}
