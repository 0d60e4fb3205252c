/* libFuzzer: path_parse, and format/parse round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct path p = { 0 }, q = { 0 };
	struct buf b = { 0 }, c = { 0 };
	struct err e;
	size_t i, idx;

	if (path_parse((const char *)data, size, &p, &e) == 0) {
		if (path_format(&p, &b) || path_parse(b.p, b.len, &q, &e) || q.n != p.n)
			abort();
		for (i = 0; i < p.n; i++) {
			if (q.v[i].len != p.v[i].len || memcmp(q.v[i].s, p.v[i].s, p.v[i].len))
				abort();
			(void)path_seg_index(&p.v[i], &idx);
		}
		if (path_canonical(&p, &c))
			abort();
	}
	if (size < 256)
		(void)path_distance((const char *)data, size / 2, (const char *)data + size / 2,
				    size - size / 2);
	path_free(&p);
	path_free(&q);
	buf_free(&b);
	buf_free(&c);
	return 0;
}
