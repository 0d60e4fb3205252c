/* splice_scan_store_fast against splice_scan_store: a doc equal field by
 * field on the supported subset, SPLICE_FAST_UNSUPPORTED on everything
 * else (never an error of its own), and splice_value giving the same bytes
 * on either doc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "secretctl/b64.h"
#include "secretctl/splice.h"
#include "../tools/splice_cmp.h"

#define T " !enc QUJD"  /* a value token (base64 of "ABC") */
#define C "#!enc QUJD"  /* a comment token */
#define META                                                       \
	"secretctl:\n"                                             \
	"  version: 1\n"                                           \
	"  keys:\n"                                                \
	"    - recipient: age1xyz\n"                               \
	"      data_key: |\n"                                      \
	"        -----BEGIN AGE ENCRYPTED FILE-----\n"             \
	"        YWdl\n"                                           \
	"        -----END AGE ENCRYPTED FILE-----\n"               \
	"    - passphrase: scrypt\n"                               \
	"      data_key: |\n"                                      \
	"        -----BEGIN AGE ENCRYPTED FILE-----\n"             \
	"        -----END AGE ENCRYPTED FILE-----\n"               \
	"  mac: AAAA\n"

/* Both scanners on t; the fast one must accept (want_fast) or say
 * unsupported; when it accepts, libyaml must too, with an equal doc. */
static void both(const char *t, size_t len, int want_fast)
{
	struct splice_doc f = { 0 }, y = { 0 };
	struct splice_fast_info info;
	struct err e, e2;
	char why[512];
	int rf = splice_scan_store_fast(t, len, &f, &info, &e);
	int ry = splice_scan_store(t, len, &y, &e2);

	if (want_fast && rf)
		print_error("fast: %d (%s, line %zu); libyaml: %d %s\n", rf,
			    info.why ? info.why : "-", info.line, ry, ry ? e2.msg : "");
	if (!want_fast && rf != SPLICE_FAST_UNSUPPORTED)
		print_error("fast accepted: %.*s\n", (int)len, t);
	assert_int_equal(rf, want_fast ? 0 : SPLICE_FAST_UNSUPPORTED);
	if (rf == SPLICE_FAST_UNSUPPORTED) {
		assert_non_null(info.why);
		assert_int_equal(f.n_items, 0);
		assert_int_equal(f.n_nodes, 0);
	} else {
		/* the same doc with its block in room (not zeroed), when it
		 * fits, and grown out of it for test_sizes' first store */
		static unsigned char room[2 << 20];
		struct splice_doc g = { 0 };

		memset(room, 0xa5, sizeof room);
		assert_int_equal(splice_scan_store_fast_in(t, len, room + 3, sizeof room - 3, &g,
							   NULL, &e),
				 0);
		assert_int_equal(splice_fast_doc_cmp(&f, &g, why, sizeof why), 0);
		splice_doc_free(&g);
		if (ry)
			print_error("libyaml: %s\n", e2.msg);
		assert_int_equal(ry, 0);
		if (splice_fast_doc_cmp(&f, &y, why, sizeof why))
			print_error("differ: %s\n", why);
		assert_int_equal(splice_fast_doc_cmp(&f, &y, why, sizeof why), 0);
		/* each token's payload is base64 characters (canonical or not:
		 * that is checked where it is decoded) */
		for (size_t i = 0; i < f.n_items; i++) {
			const struct splice_item *it = &f.items[i];

			assert_true(it->b64_len > 0);
			assert_int_equal(b64_span(t + it->b64_start, it->b64_len), it->b64_len);
		}
	}
	splice_doc_free(&f);
	splice_doc_free(&y);
}

static void fast(const char *t)
{
	both(t, strlen(t), 1);
}

static void slow(const char *t)
{
	both(t, strlen(t), 0);
}

/* t with every "\n" made "\r\n" */
static void fast_crlf(const char *t)
{
	size_t n = strlen(t), o = 0;
	char *c = malloc(2 * n + 1);

	assert_non_null(c);
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\n')
			c[o++] = '\r';
		c[o++] = t[i];
	}
	both(c, o, 1);
	free(c);
}

/* ---- accepted ---- */

static void test_mappings(void **state)
{
	(void)state;
	fast(META);
	fast("a:" T "\n" META);
	fast("a:" T "\nb:\n  c:" T "\n  d:\n    e:" T "\nf:" T "\n" META);
	fast("a:\nb:\n  c:\n" META);                       /* implicit nulls */
	fast("a:   \nb:" T "   \n" META);                  /* trailing blanks */
	fast("a b  c :" T "\n<<:" T "\nx.y/z~1+=():" T "\n" META);
	fast("'q k':" T "\n'it''s':" T "\n\"d q\":" T "\n'#c':" T "\n" META);
	fast("ключ:" T "\nk:" T " " C "\n\xc3\xa9t\xc3\xa9: " C "\n" META);
	fast("  a:" T "\n  b:\n    c:" T "\n  secretctl:\n    version: 1\n    keys:\n"
	     "      - recipient: age1xyz\n        data_key: |\n          X\n    mac: AAAA\n");
	fast("a:" T "\n" META);
	fast("---\na:" T "\n" META);
	fast(C "\n---  " C "\na:" T "\n" META);
	fast_crlf("a:" T "\nb:\n  c:" T " " C "\n" C "\n" META);
	/* payloads of base64 characters that are no canonical base64: both
	 * scanners take them; store.c refuses them where it decodes them */
	fast("a: !enc QUJ\nb:" T "Q\nc: !enc QUJD=\nd: !enc QQ=A " C "=\n#!enc +/==\n" META);
	fast("a: !enc =\n" META);
}

static void test_sequences(void **state)
{
	(void)state;
	fast("s:\n  -" T "\n  -\n  - a:" T "\n    b:\n  -\n    - x:" T "\n" META);
	fast("s:\n-" T "\n- a:" T "\n  b:" T "\nt:" T "\n" META); /* indentless */
	fast("s:\n- \n-\nt:\n" META);
	fast("s:\n  - a:\n    - x:" T "\n" META);
	fast("s:\n  -   a:" T "\n      b:" T "\n" META);   /* a mapping after "-   " */
	fast("s:\n  -" T " " C "\n  - " C "\n  " C "\n" META);
	fast("s:\n  -\n      - deep:" T "\n" META);
	fast_crlf("s:\n-" T "\n-\n- a:\n  -" T "\n" META);
}

static void test_anchors(void **state)
{
	(void)state;
	fast("a: &x !enc QUJD\nb: &y-z_1 !enc QUJD " C "\ns:\n  - &q !enc QUJD\n" META);
	slow("a: &x !enc QUJD\nb: *x\n" META);            /* alias */
	slow("a: &x\n  b:" T "\n" META);                   /* anchor on a collection */
	slow("&k a:" T "\n" META);                         /* anchor on a key */
}

static void test_metadata(void **state)
{
	(void)state;
	fast("a:" T "\nsecretctl:\n  version: 1\n  final_newline: false\n  keys:\n"
	     "    - recipient: age1xyz\n      data_key: |\n        X\n  mac: AAAA");
	fast("a:" T "\nsecretctl:\n  version: 01\n  final_newline: true\n  keys:\n"
	     "  - data_key: |\n      X\n    recipient: age1xyz\n  mac: AAAA  \n");
	fast("secretctl:\n    keys:\n      -   recipient: a1\n          data_key: |\n"
	     "           X Y\n    version: 1\n    mac: AAAA\n");
	slow("a:" T "\n" META "b:" T "\n");               /* not the last key */
	slow("a:" T "\n" META "...\n");                    /* text after it */
	slow("a:" T "\n" META C "\n");
	slow("a:" T "\n");                                  /* none */
	fast("a:" T "\nsecretctl:\n  version: 2\n  keys:\n    - recipient: a\n      data_key: |\n"
	     "        X\n  mac: AAAA\n");
	slow("a:" T "\nsecretctl:\n  version: 3\n  keys:\n    - recipient: a\n      data_key: |\n"
	     "        X\n  mac: AAAA\n");
	slow("a:" T "\nsecretctl:\n  version: 1\n  version: 1\n  keys:\n    - recipient: a\n"
	     "      data_key: |\n        X\n  mac: AAAA\n");
	slow("a:" T "\nsecretctl:\n  version: 1\n  keys:\n    - recipient: a\n  mac: AAAA\n");
	slow("a:" T "\nsecretctl:\n  version: 1\n  keys:\n    - recipient: a\n"
	     "      passphrase: scrypt\n      data_key: |\n        X\n  mac: AAAA\n");
	slow("a:" T "\nsecretctl:\n  version: 1\n  keys:\n    - recipient: a\n      data_key: |\n"
	     "        X\n\n        Y\n  mac: AAAA\n");
	slow("a:" T "\nsecretctl:\n  version: 1\n  keys:\n    - recipient: a\n      data_key: |\n"
	     "        X\n  mac: AAAA\n  other: 1\n");
	slow("a:" T "\nsecretctl:\n  version: 1\n  keys:\n    - recipient: a\n      data_key: |\n"
	     "        X\n  mac: AAAA\n\n");
	slow("a:" T "\nsecretctl: x\n");
	slow("a:" T "\n\"secretctl\":\n  version: 1\n  keys:\n    - recipient: a\n"
	     "      data_key: |\n        X\n  mac: AAAA\n");
	slow("a:" T "secretctl:\n  version: 1\n  final_newline: false\n  keys:\n"
	     "    - recipient: age1xyz\n      data_key: |\n        X\n  mac: AAAA\n");
}

/* ---- unsupported: libyaml decides ---- */

static void test_unsupported(void **state)
{
	(void)state;
	slow("a: {b: !enc QUJD}\n" META);                   /* flow */
	slow("a: [!enc QUJD]\n" META);
	slow("a: !!str QUJD\n" META);                       /* other tags */
	slow("a: !enc  QUJD\n" META);
	slow("a:  !enc QUJD\n" META);
	slow("a: QUJD\n" META);                             /* not a token */
	slow("%YAML 1.1\n---\na:" T "\n" META);             /* directives */
	slow("--- a\n" META);
	slow("? a\n:" T "\n" META);                         /* complex key */
	slow("a:" T "\n...\n" META);
	slow("a:\t!enc QUJD\n" META);                      /* tabs */
	slow("a:\n\tb:" T "\n" META);
	slow("a:" T "\n  QUJD\n" META);                     /* multi-line plain */
	slow("\xEF\xBB\xBF" "a:" T "\n" META);              /* BOM */
	slow("a:" T "\rb:" T "\n" META);                    /* lone CR */
	slow("a:" T "\nb:" T "\na:" T "\n" META);           /* duplicate key */
	/* the same key decoded ('' in quotes) and as it stands, short and long */
	slow("it's:" T "\n'it''s':" T "\n" META);
	slow("'it''s':" T "\nit's:" T "\n" META);
	slow("a long key, it's:" T "\n'a long key, it''s':" T "\n" META);
	slow("s:\n  - 'a long key, it''s':" T "\n    a long key, it's:" T "\n" META);
	slow("\"\":" T "\n" META);                            /* empty keys */
	slow("'':" T "\n" META);
	slow("a:\n  \"\":" T "\n" META);
	slow("s:\n  - a:" T "\n    a:" T "\n" META);
	slow("a: !enc QU-J\n" META);                        /* no base64 character */
	slow("a: !enc QUJD:\n" META);
	slow("a: !enc QUJD:x\n" META);
	slow("a: !enc *QUJD\n" META);
	slow("a: !enc QUJD\xc3\xa9\n" META);
	slow("a: !enc QUJD\tx\n" META);
	slow("#!enc QU_J\n" "a:" T "\n" META);
	slow("a:" T " #!enc QUJD,\n" META);
	slow("# plain comment\na:" T "\n" META);            /* comment no token */
	slow("a:" T "#!enc QUJD\n" META);
	slow("a:" T " #!enc QUJD \n" META);
	slow("\"a\\tb\":" T "\n" META);                     /* escapes */
	slow("a\xc2\x85" "b:" T "\n" META);                 /* NEL */
	slow("a\xe2\x80\xa8:" T "\n" META);                 /* LS */
	slow("a\xff:" T "\n" META);                         /* invalid UTF-8 */
	slow("a\x01:" T "\n" META);
	slow("a:b:" T "\n" META);
	slow("- a\n" META);                                 /* top-level sequence */
	slow("a:" T "\n  b:" T "\n" META);                  /* bad indentation */
	slow("a:\n    b:" T "\n  c:" T "\n" META);
	slow("a:\n  - b\n  c:" T "\n" META);
	slow("s:\n  -" T "\n   -" T "\n" META);
	slow("- - a\n" META);
	slow("s:\n  - - a\n" META);
	slow("a: |\n  x\n" META);
	slow("");
	slow("\n\n");
}

static void test_key_limit(void **state)
{
	char *t = malloc(8000 + sizeof META);
	size_t n;

	(void)state;
	assert_non_null(t);
	memset(t, 'k', 1100);
	memcpy(t + 1100, ":" T "\n" META, sizeof(":" T "\n" META));
	slow(t); /* libyaml gives up on a key over 1024 characters */
	memset(t, 'k', 900);
	memcpy(t + 900, ":" T "\n" META, sizeof(":" T "\n" META));
	fast(t);
	/* deep nesting */
	n = 0;
	for (int i = 0; i < 80; i++) {
		memset(t + n, ' ', (size_t)i);
		n += (size_t)i;
		memcpy(t + n, "k:\n", 3);
		n += 3;
	}
	memcpy(t + n, META, sizeof META);
	slow(t);
	free(t);
}

/* The scan's one block: lines that make two nodes and two items each
 * outgrow the first sizing (a node and an item a line) and make it anew;
 * a big store gets it from buf_big_alloc. Both give libyaml's doc. Keys
 * with '' are decoded, the others point into the text. */
static void test_sizes(void **state)
{
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(buf_puts(&b, "s:\n"), 0);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(buf_printf(&b, "  - k%d: !enc QUJD #!enc QUJD\n  - 'q''%d':" T "\n", i, i), 0);
	assert_int_equal(buf_puts(&b, META), 0);
	fast(b.p);
	b.len = 0;
	for (int i = 0; i < 40000; i++)
		assert_int_equal(buf_printf(&b, "k%05d:" T "\n", i), 0);
	assert_int_equal(buf_puts(&b, META), 0);
	assert_true(b.len > 40000 * (sizeof(struct splice_node) + sizeof(struct splice_item)) / 16);
	fast(b.p);
	buf_free(&b);
}

/* The value of every scalar through splice_value: the same bytes with
 * either doc, for regions of every kind (|N counts from the parent). */
static void test_values(void **state)
{
	static const char store[] = "a:" T "\ns:\n  -" T "\n  - k:" T "\n- x\nm:\n    d:" T "\n" META;
	static const char *regions[] = { " |2\n    x\n", " >-\n  a\n  b\n", " \"q\\tx\"", " 'it''s'",
					 " !!binary |\n  AAEC\n", " plain text", " |1\n  y\n" };
	struct splice_doc f = { 0 }, y = { 0 };
	struct err e;
	size_t n = 0;

	(void)state;
	both(store, sizeof store - 1, 0); /* "- x" at the top level: not a store */
	{
		static const char st[] = "a:" T "\ns:\n  -" T "\n  - k:" T "\nm:\n    d:" T "\nl:\n-" T "\n" META;

		assert_int_equal(splice_scan_store_fast(st, sizeof st - 1, &f, NULL, &e), 0);
		assert_int_equal(splice_scan_store(st, sizeof st - 1, &y, &e), 0);
		for (size_t i = 0; i < f.n_items; i++) {
			if (f.items[i].kind != SPLICE_VALUE)
				continue;
			for (size_t r = 0; r < sizeof regions / sizeof *regions; r++) {
				struct secmem vf = { 0 }, vy = { 0 };
				struct err ef, ey;
				const char *rg = regions[r];
				int rf = splice_value(st, sizeof st - 1, &f, f.items[i].node,
						      (const unsigned char *)rg, strlen(rg), &vf, &ef);
				int ry = splice_value(st, sizeof st - 1, &y, y.items[i].node,
						      (const unsigned char *)rg, strlen(rg), &vy, &ey);

				assert_int_equal(rf, ry);
				assert_int_equal(vf.len, vy.len);
				if (vf.len)
					assert_memory_equal(vf.p, vy.p, vf.len);
				secmem_free(&vf);
				secmem_free(&vy);
				n++;
			}
		}
	}
	assert_true(n >= 30);
	splice_doc_free(&f);
	splice_doc_free(&y);
}

static void test_info(void **state)
{
	static const char t[] = "a:" T "\nb: {c: d}\n" META;
	struct splice_doc d = { 0 };
	struct splice_fast_info info;
	struct err e;

	(void)state;
	assert_int_equal(splice_scan_store_fast(t, sizeof t - 1, &d, &info, &e),
			 SPLICE_FAST_UNSUPPORTED);
	assert_string_equal(info.why, "text after a value");
	assert_int_equal(info.line, 2);
	/* a doc given in is emptied first */
	assert_int_equal(splice_scan_store_fast(META, sizeof META - 1, &d, NULL, &e), 0);
	assert_int_equal(d.n_nodes, 1);
	assert_int_equal(splice_scan_store_fast(t, sizeof t - 1, &d, NULL, &e),
			 SPLICE_FAST_UNSUPPORTED);
	assert_int_equal(d.n_nodes, 0);
	splice_doc_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mappings),  cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_anchors),   cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_unsupported), cmocka_unit_test(test_key_limit),
		cmocka_unit_test(test_values),    cmocka_unit_test(test_info),
		cmocka_unit_test(test_sizes),
	};

	if (sodium_init() < 0 || secmem_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
