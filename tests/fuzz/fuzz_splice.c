/* libFuzzer: both scanners on any text; when a plaintext scans, every value
 * resolves, every PATH of a node finds it again, and every region lies
 * inside the text in file order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/splice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	struct splice_doc d = { 0 };
	struct err e;
	size_t i, prev = 0;
	static int init;

	if (!init++ && secmem_init())
		abort();
	if (splice_scan_plain(t, size, &d, &e) == 0) {
		for (i = 0; i < d.n_items; i++) {
			const struct splice_item *it = &d.items[i];
			struct secmem v = { 0 };

			if (it->start < prev || it->end < it->start || it->end > size)
				abort();
			prev = it->end;
			if (it->kind == SPLICE_VALUE)
				(void)splice_value(t, size, &d, it->node, data + it->start,
						   it->end - it->start, &v, &e);
			secmem_free(&v);
		}
		for (i = 0; i < d.n_nodes; i++) {
			struct buf pb = { 0 };
			struct path p = { 0 };

			if (d.nodes[i].parent != SPLICE_NONE && !splice_node_path(&d, i, &pb) &&
			    path_parse(pb.p, pb.len, &p, &e) == 0 && splice_lookup(&d, &p) == SPLICE_NONE)
				abort();
			path_free(&p);
			buf_free(&pb);
		}
	}
	splice_doc_free(&d);
	(void)splice_scan_store(t, size, &d, &e);
	splice_doc_free(&d);
	return 0;
}
