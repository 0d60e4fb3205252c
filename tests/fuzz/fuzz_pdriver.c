/* libFuzzer: pdriver_ref_parse (the podman driver's reference line), and
 * the format/parse round trip of what parses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/pdriver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdriver_ref r, q;
	struct buf b = { 0 };
	struct err e;

	if (pdriver_ref_parse((const char *)data, size, &r, &e) == 0) {
		if (!r.store || r.store[0] != '/' || !r.path || r.n_ids > PDRIVER_MAX_IDS)
			abort();
		if (pdriver_ref_format(&r, &b, &e) || pdriver_ref_parse(b.p, b.len, &q, &e))
			abort();
		if (!same(r.store, q.store) || r.env != q.env || !same(r.path, q.path) ||
		    r.n_ids != q.n_ids)
			abort();
		for (size_t i = 0; i < r.n_ids; i++)
			if (!same(r.ids[i], q.ids[i]))
				abort();
		pdriver_ref_free(&q);
		pdriver_ref_free(&r);
	} else if (strstr(e.msg, "not a secretctl reference") == NULL) {
		abort(); /* every refusal says what it refuses */
	}
	buf_free(&b);
	return 0;
}
