/* libFuzzer: splice_scan_store_fast against splice_scan_store. Whenever the
 * fast scanner accepts a text, libyaml must accept it too and give an equal
 * doc (splice_fast_doc_cmp). Each input is tried as it is, and expanded
 * into a store shape so that short inputs reach the interesting paths:
 * '$' becomes a value token "!enc QUJD", '%' a comment token "#!enc QUJD",
 * and a metadata block is appended (with final_newline: false when the
 * input does not end in a line break). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/splice.h"
#include "../tools/splice_cmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *t, size_t n)
{
	struct splice_doc f = { 0 }, y = { 0 };
	struct err e, e2;
	char why[512];
	int rf = splice_scan_store_fast(t, n, &f, NULL, &e);

	if (rf != 0 && rf != SPLICE_FAST_UNSUPPORTED)
		abort();
	if (rf == 0) {
		if (splice_scan_store(t, n, &y, &e2) != 0) {
			fprintf(stderr, "fast accepts, libyaml refuses: %s\n", e2.msg);
			abort();
		}
		if (splice_fast_doc_cmp(&f, &y, why, sizeof why)) {
			fprintf(stderr, "docs differ: %s\n", why);
			abort();
		}
	} else if (f.n_items || f.n_nodes || f.slots || f.mac) {
		abort();
	}
	splice_doc_free(&f);
	splice_doc_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char meta[] = "secretctl:\n  version: 1\n%s  keys:\n    - recipient: age1x\n"
				   "      data_key: |\n        X\n  mac: AAAA\n";
	struct buf b = { 0 };
	int nonl = size && data[size - 1] != '\n';

	check((const char *)data, size);
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '$')
			buf_puts(&b, "!enc QUJD");
		else if (data[i] == '%')
			buf_puts(&b, "#!enc QUJD");
		else
			buf_putc(&b, (char)data[i]);
	}
	if (nonl)
		buf_putc(&b, '\n');
	buf_printf(&b, meta, nonl ? "  final_newline: false\n" : "");
	if (b.p)
		check(b.p, b.len);
	buf_free(&b);
	return 0;
}
