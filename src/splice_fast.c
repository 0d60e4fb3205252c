/* splice_fast: store_load's fast path. A line scanner for the common subset
 * of stores (block mappings and sequences of " [&a ]!enc B64" tokens,
 * implicit nulls, "#!enc B64" comments, the metadata block as store.c
 * writes it) that fills the same struct splice_doc as splice_scan_store,
 * at a few instructions per byte: libyaml costs ~140 per byte, mostly
 * reading base64 payloads one character at a time.
 *
 * The rule: accept only what is certainly a valid store and certainly
 * scans to this very doc; on anything else (and on any doubt) answer
 * SPLICE_FAST_UNSUPPORTED, so that splice_scan_store decides and gives
 * its messages. Errors are never reported from here (but out of memory). */
#include "secretctl/splice.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secretctl/b64.h"
#include "secretctl/utf8.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define FAST_MAX_DEPTH 64
/* libyaml gives up on a simple key 1024 characters before its ':' */
#define FAST_MAX_KEY 1000

enum line_kind { L_KEY, L_DASH };

/* An open block collection. */
struct ffr {
	size_t node;
	unsigned indent;
	int seq;
	int indentless; /* a sequence at its parent mapping's column */
	size_t last;    /* last child, SPLICE_NONE */
};

/* A parsed key: its bytes in the text, or decoded in a key block. */
struct fkey {
	const char *key;
	size_t key_len;
};

struct fs {
	const unsigned char *t;
	size_t len;
	struct splice_doc *d;
	struct splice_fast_info *info;
	struct err *e;
	struct ffr st[FAST_MAX_DEPTH];
	size_t depth;
	size_t lines;
	/* a "key:" or "-" whose value is not known yet: a nested collection if
	 * a deeper line follows, else an implicit null at (pend_line, pend_col) */
	int pend;
	struct fkey pkey;
	unsigned pend_line, pend_col;
	/* duplicate-key check: open addressing over (8 bits of the key's hash
	 * << 24 | node + 1), 0 empty; a line holds one key at most, so it is
	 * sized once. 4-byte entries: 64 KB at 10 000 keys. */
	uint32_t *tab;
	size_t tab_mask;
	struct splice_arena *mem;
	unsigned char *room; /* splice_scan_store_fast_in's */
	size_t room_len;
	/* the current line */
	unsigned line;
	size_t ls, le;   /* line start, content end (before "\n" / "\r\n") */
	int hi;          /* the line has bytes >= 0x80 before the point of interest */
	int oom;
};

#define UNSUP (-1)

static int unsup(struct fs *s, const char *why)
{
	if (s->info && !s->info->why) {
		s->info->why = why;
		s->info->line = s->line;
	}
	return UNSUP;
}

static int oom(struct fs *s)
{
	s->oom = 1;
	return UNSUP;
}

/* ---- memory ----
 * The scan's arrays share one block (splice_doc.arena points to it): the
 * nodes, the duplicate-key table and the items, sized from the number of
 * lines (one node and one item a line, the table for a key a line). A
 * line can make two nodes and two items ("- k: TOKEN #COMMENT"): then the
 * block is made anew with room for twice as many and the arrays copied.
 * From BUF_BIG_MIN bytes on it is buf_big_alloc'ed (huge pages): at 10 000
 * keys it is 2 MB, some 500 page faults in small pages. Keys point into
 * the text, but for a single-quoted one with '' in it, decoded into a
 * small malloc'ed block. */

#define MEM_HEAD 64 /* struct splice_arena, rounded for the arrays' alignment */
_Static_assert(sizeof(struct splice_arena) <= MEM_HEAD, "the block's head");
#define KEY_BLOCK 4096

/* A block with room for cap_nodes nodes, cap_items items and the table of
 * s->tab_mask + 1 entries, holding what the old one held. 0, or -1 when
 * out of memory (the old block stays). */
static int mem_block(struct fs *s, size_t cap_nodes, size_t cap_items)
{
	struct splice_doc *d = s->d;
	size_t tab = s->tab_mask + 1, mapped = 0, size;
	size_t o_tab = MEM_HEAD + cap_nodes * sizeof *d->nodes;
	size_t o_items = o_tab + tab * sizeof *s->tab;
	struct splice_arena *m, *old = s->mem;
	unsigned char *b;

	size = o_items + cap_items * sizeof *d->items;
	b = NULL;
	if (!old && s->room && s->room_len >= size) {
		b = s->room;
	} else if (size >= BUF_BIG_MIN) {
		b = buf_big_alloc(size, &mapped);
	}
	if (!b) {
		mapped = 0;
		b = malloc(size);
		if (!b)
			return -1;
	}
	if (!old) /* the table starts empty */
		memset(b + o_tab, 0, tab * sizeof *s->tab);
	m = (struct splice_arena *)(void *)b;
	m->mapped = mapped;
	m->lent = b == s->room;
	m->keys = old ? old->keys : NULL;
	if (old) {
		memcpy(b + MEM_HEAD, d->nodes, d->n_nodes * sizeof *d->nodes);
		memcpy(b + o_tab, s->tab, tab * sizeof *s->tab);
		memcpy(b + o_items, d->items, d->n_items * sizeof *d->items);
		old->keys = NULL; /* moved to m */
		splice_arena_free(d);
	}
	d->nodes = (struct splice_node *)(void *)(b + MEM_HEAD);
	d->cap_nodes = cap_nodes;
	s->tab = (uint32_t *)(void *)(b + o_tab);
	d->items = (struct splice_item *)(void *)(b + o_items);
	d->cap_items = cap_items;
	d->arena = m;
	s->mem = m;
	return 0;
}

/* n bytes for a decoded key, kept until splice_doc_free. */
static char *key_alloc(struct fs *s, size_t n)
{
	struct splice_arena_blk *b = s->mem->keys;
	char *p;

	if (!b || b->cap - b->used < n) {
		size_t cap = n > KEY_BLOCK ? n : KEY_BLOCK;

		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = s->mem->keys;
		b->used = 0;
		b->cap = cap;
		s->mem->keys = b;
	}
	p = (char *)(b + 1) + b->used;
	b->used += n;
	return p;
}

/* Line breaks in t[0, len): 16 bytes at a time, in byte counters summed
 * every 255 steps. */
static size_t count_lf(const unsigned char *t, size_t len)
{
	size_t n = 0, i = 0;

#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	while (len - i >= 16) {
		size_t end = i + 16 * (len - i >= 16 * 255 ? 255 : (len - i) / 16);
		__m128i acc = zero, sum;

		for (; i < end; i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(t + i)), lf));
		sum = _mm_sad_epu8(acc, zero);
		n += (size_t)_mm_cvtsi128_si32(sum) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
	}
#endif
	for (; i < len; i++)
		n += t[i] == '\n';
	return n;
}

/* 1-based column (libyaml counts characters) of byte offset p on the line. */
static unsigned col_of(const struct fs *s, size_t p)
{
	size_t c = p - s->ls;

	if (s->hi)
		for (size_t i = s->ls; i < p; i++)
			c -= (s->t[i] & 0xC0) == 0x80;
	return (unsigned)c + 1;
}

/* Length of a UTF-8 character at p[0, n) that libyaml reads as a printable
 * non-break, non-BOM character (>= U+00A0), else 0. */
static size_t u8_char(const unsigned char *p, size_t n)
{
	uint32_t v;
	size_t w = utf8_decode(p, n, &v);

	if (!w || v < 0xA0 || v == 0x2028 || v == 0x2029 || v == 0xFEFF || v == 0xFFFE ||
	    v == 0xFFFF)
		return 0;
	return w;
}

/* ---- nodes and items ---- */

/* A new node, unlinked (splice_node_new's fields); SPLICE_NONE when out
 * of memory (s->oom). */
static size_t node_new(struct fs *s, enum splice_node_type type, unsigned line, unsigned col)
{
	struct splice_doc *d = s->d;

	if (d->n_nodes == d->cap_nodes && mem_block(s, 2 * d->cap_nodes, d->cap_items)) {
		s->oom = 1;
		return SPLICE_NONE;
	}
	d->nodes[d->n_nodes] = (struct splice_node){ .type = type,
						     .line = line,
						     .col = col,
						     .parent = SPLICE_NONE,
						     .first_child = SPLICE_NONE,
						     .next_sibling = SPLICE_NONE,
						     .item = SPLICE_NONE,
						     .target = SPLICE_NONE };
	return d->n_nodes++;
}

/* k[0, n) (n <= 8) as a little-endian word: from one 8-byte read when
 * over (8 bytes at k are readable), else byte by byte. Both give the same
 * word, so a key's hash does not depend on where it lies. */
static uint64_t word_le(const unsigned char *k, size_t n, int over)
{
	uint64_t w = 0;

	if (over) {
		memcpy(&w, k, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		if (n < 8)
			w &= ~(uint64_t)0 >> 8 * (8 - n);
	} else {
		for (size_t j = 0; j < n; j++)
			w |= (uint64_t)k[j] << 8 * j;
	}
	return w;
}

/* 1 when node's key is already one of its parent's, else 0 (and it is
 * now). The table holds each key's hash beside its node, so only an equal
 * hash costs a look at another node. */
static int key_dup(struct fs *s, size_t node)
{
	const struct splice_node *nv = s->d->nodes, *n = &nv[node];
	const unsigned char *k = (const unsigned char *)n->key;
	/* a key in the text has more text after it (its ':', the metadata):
	 * its last word may be read whole */
	int over = k >= s->t && k + n->key_len + 8 <= s->t + s->len;
	uint64_t h = (n->parent + 1) * 0x9e3779b97f4a7c15ull;
	uint32_t tag;
	size_t i;

	for (i = 0; i < n->key_len; i += 8) {
		h = (h ^ word_le(k + i, n->key_len - i < 8 ? n->key_len - i : 8, over)) *
		    0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h = (h ^ n->key_len) * 0xc4ceb9fe1a85ec53ull;
	h = (h ^ h >> 32) & 0xffffffffu;
	tag = (uint32_t)(h >> 24) << 24;
	for (i = (size_t)h & s->tab_mask; s->tab[i]; i = (i + 1) & s->tab_mask) {
		const struct splice_node *o;

		if ((s->tab[i] & 0xff000000u) != tag)
			continue;
		o = &nv[(s->tab[i] & 0xffffffu) - 1];
		if (o->parent == n->parent && o->key_len == n->key_len &&
		    memcmp(o->key, n->key, n->key_len) == 0)
			return 1;
	}
	s->tab[i] = tag | (uint32_t)(node + 1);
	return 0;
}

/* A new child of the innermost collection, taking the pending key (a
 * mapping) or the next index (a sequence). SPLICE_NONE: out of memory or a
 * duplicate key (s->oom tells). */
static size_t child_new(struct fs *s, enum splice_node_type type, unsigned line, unsigned col)
{
	struct splice_doc *d = s->d;
	struct ffr *f = &s->st[s->depth - 1];
	size_t idx = node_new(s, type, line, col);
	struct splice_node *n, *p;

	if (idx == SPLICE_NONE)
		return SPLICE_NONE;
	/* splice_link_child */
	n = &d->nodes[idx];
	p = &d->nodes[f->node];
	n->parent = f->node;
	n->index = p->n_children++;
	if (f->last == SPLICE_NONE)
		p->first_child = idx;
	else
		d->nodes[f->last].next_sibling = idx;
	f->last = idx;
	if (!f->seq) {
		/* fast-scanned keys are not NUL-terminated (splice.h) */
		n->key = (char *)(uintptr_t)s->pkey.key;
		n->key_len = s->pkey.key_len;
		s->pkey.key = NULL;
		if (key_dup(s, idx))
			return SPLICE_NONE;
	}
	return idx;
}

static int push(struct fs *s, size_t node, unsigned indent, int seq, int indentless)
{
	struct ffr *f;

	if (s->depth == FAST_MAX_DEPTH)
		return unsup(s, "nesting too deep");
	f = &s->st[s->depth++];
	f->node = node;
	f->indent = indent;
	f->seq = seq;
	f->indentless = indentless;
	f->last = SPLICE_NONE;
	s->d->nodes[node].indent = indent;
	return 0;
}

static struct splice_item *item_new(struct fs *s)
{
	struct splice_doc *d = s->d;
	struct splice_item *it;

	if (d->n_items == d->cap_items && mem_block(s, d->cap_nodes, 2 * d->cap_items))
		return NULL;
	it = &d->items[d->n_items++];
	*it = (struct splice_item){ .anchor_start = SPLICE_NONE, .node = SPLICE_NONE };
	return it;
}

/* The end of a token's payload that starts at b: the first byte that is
 * no base64 character (b64_span: the scanner's own condition, which keeps
 * any YAML indicator out of the plain scalar; whether the payload is
 * canonical base64 is checked where it is decoded, after the MAC). */
static size_t payload_end(const struct fs *s, size_t b)
{
	return b + b64_span((const char *)s->t + b, s->le - b);
}

/* ---- pieces of a line ---- */

/* The pieces below read 16 bytes at a time while they lie in the text:
 * the line break (or the text's end) at s->le stops each of them, so what
 * they read past it changes nothing. */

static size_t skip_sp(const struct fs *s, size_t p)
{
#ifdef __SSE2__
	for (; p + 16 <= s->len; p += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
				     _mm_loadu_si128((const __m128i *)(const void *)(s->t + p)),
				     _mm_set1_epi8(' '))) ^ 0xffff;

		if (m)
			return p + (size_t)__builtin_ctz(m);
	}
#endif
	while (p < s->le && s->t[p] == ' ')
		p++;
	return p;
}

/* The first byte from q that a plain key cannot hold as it is: ':', '#',
 * a control, DEL or a byte >= 0x80 (s->le at the latest). */
static size_t key_run(const struct fs *s, size_t q)
{
	const unsigned char *t = s->t;

#ifdef __SSE2__
	for (; q + 16 <= s->len; q += 16) {
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(t + q));
		/* signed: bytes >= 0x80 are below 0x20 too */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(c, _mm_set1_epi8(0x20)),
						      _mm_cmpeq_epi8(c, _mm_set1_epi8(0x7f))),
					 _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8(':')),
						      _mm_cmpeq_epi8(c, _mm_set1_epi8('#'))));
		unsigned b = (unsigned)_mm_movemask_epi8(m);

		if (b)
			return q + (size_t)__builtin_ctz(b);
	}
#endif
	while (q < s->le && t[q] >= 0x20 && t[q] < 0x7F && t[q] != ':' && t[q] != '#')
		q++;
	return q;
}

/* "#!enc B64" from p to the end of the line: a comment item. */
static int comment(struct fs *s, size_t p)
{
	struct splice_item *it;

	if (s->le - p < 7 || memcmp(s->t + p, "#!enc ", 6) != 0)
		return unsup(s, "comment that is no token");
	if (payload_end(s, p + 6) != s->le)
		return unsup(s, "comment token with other than base64 characters");
	it = item_new(s);
	if (!it)
		return oom(s);
	it->kind = SPLICE_COMMENT;
	it->start = p;
	it->end = s->le;
	it->b64_start = p + 6;
	it->b64_len = s->le - p - 6;
	it->line = s->line;
	it->col = col_of(s, p);
	return 0;
}

/* The rest of a line after a value: nothing, or blanks and a comment. */
static int line_rest(struct fs *s, size_t p)
{
	size_t q;

	if (p == s->le)
		return 0;
	q = skip_sp(s, p);
	if (q == s->le)
		return 0;
	if (q == p || s->t[q] != '#')
		return unsup(s, "text after a value");
	return comment(s, q);
}

/* A value token at p (just after the indicator's blank): "[&a ]!enc B64",
 * then the rest of the line. The new scalar is a child of the innermost
 * collection. */
static int token(struct fs *s, size_t p)
{
	const unsigned char *t = s->t;
	size_t a = SPLICE_NONE, alen = 0, q = p, b, node;
	struct splice_item *it;

	if (t[q] == '&') {
		a = ++q;
		while (q < s->le && ((t[q] >= '0' && t[q] <= '9') || (t[q] >= 'A' && t[q] <= 'Z') ||
				     (t[q] >= 'a' && t[q] <= 'z') || t[q] == '_' || t[q] == '-'))
			q++;
		alen = q - a;
		if (!alen || q == s->le || t[q] != ' ')
			return unsup(s, "anchor");
		q++;
	}
	if (s->le - q < 6 || memcmp(t + q, "!enc ", 5) != 0)
		return unsup(s, "value that is no token");
	b = q + 5;
	q = payload_end(s, b);
	if (q == b)
		return unsup(s, "empty token");
	if (q < s->le && t[q] != ' ')
		return unsup(s, "token with other than base64 characters");
	node = child_new(s, SPLICE_SCALAR, s->line, col_of(s, p));
	if (node == SPLICE_NONE)
		return s->oom ? UNSUP : unsup(s, "duplicate key");
	it = item_new(s);
	if (!it)
		return oom(s);
	it->kind = SPLICE_VALUE;
	it->start = p - 1;
	it->end = q;
	it->anchor_start = a;
	it->anchor_len = alen;
	it->b64_start = b;
	it->b64_len = q - b;
	it->eol = q < s->len ? (t[q] == '\n' ? 1 : t[q] == '\r' ? 2 : 0) : 0;
	it->node = node;
	it->line = s->line;
	it->col = col_of(s, p);
	s->d->nodes[node].item = s->d->n_items - 1;
	return line_rest(s, q);
}

/* A mapping key at p: plain (no '#' or ':' inside), 'single' or "double"
 * quoted without escapes (so never a NUL byte), on this line; then ':' and
 * a blank or the end of the line. Sets k (decoded), *colon. */
static int key_parse(struct fs *s, size_t p, struct fkey *k, size_t *colon)
{
	const unsigned char *t = s->t;
	size_t q = p, ke, dl = 0;
	unsigned char c = t[p];
	int squote = 0;

	if (c == '\'' || c == '"') {
		for (q = p + 1;; q++) {
			size_t w;

			if (q >= s->le)
				return unsup(s, "quoted key");
			if (t[q] == c) {
				if (c == '\'' && q + 1 < s->le && t[q + 1] == '\'') {
					squote = 1;
					q++;
					continue;
				}
				break;
			}
			if (t[q] >= 0x20 && t[q] < 0x7F && t[q] != '\\')
				continue;
			if (t[q] < 0x80 || !(w = u8_char(t + q, s->le - q)))
				return unsup(s, "character in a quoted key");
			s->hi = 1;
			q += w - 1;
		}
		ke = q + 1;
		q = skip_sp(s, ke);
		p++;
		dl = ke - 1 - p;
	} else {
		/* not an indicator, a blank, a document marker */
		if (c == '-' || c == '?' || c == ':' || c == ',' || c == '[' || c == ']' ||
		    c == '{' || c == '}' || c == '#' || c == '&' || c == '*' || c == '!' ||
		    c == '|' || c == '>' || c == '%' || c == '@' || c == '`' || c <= ' ' ||
		    (p == s->ls && s->le - p >= 3 && memcmp(t + p, "...", 3) == 0))
			return unsup(s, "not a simple key");
		for (;;) {
			size_t w;

			q = key_run(s, q);
			if (q >= s->le)
				return unsup(s, "no ':' after a key");
			c = t[q];
			if (c == ':')
				break;
			if (c < 0x80 || !(w = u8_char(t + q, s->le - q)))
				return unsup(s, "character in a key");
			s->hi = 1;
			q += w;
		}
		/* blanks before the ':' are not the key's */
		ke = q;
		while (t[ke - 1] == ' ')
			ke--;
		dl = ke - p;
	}
	if (q >= s->le || t[q] != ':' || (q + 1 < s->le && t[q + 1] != ' '))
		return unsup(s, "no ': ' after a key");
	if (q - p > FAST_MAX_KEY)
		return unsup(s, "long key");
	if (dl == 0)
		return unsup(s, "an empty key"); /* libyaml's scan refuses it */
	if (!squote) {
		k->key = (const char *)t + p;
		k->key_len = dl;
	} else {
		char *dk = key_alloc(s, dl);
		size_t o = 0;

		if (!dk)
			return oom(s);
		for (size_t i = p; i < p + dl; i++) {
			dk[o++] = (char)t[i];
			if (t[i] == '\'')
				i++;
		}
		k->key = dk;
		k->key_len = o;
	}
	*colon = q;
	return 0;
}

/* ---- structure ---- */

/* An implicit null for the pending key or entry. */
static int pend_null(struct fs *s)
{
	size_t node;

	s->pend = 0;
	node = child_new(s, SPLICE_SCALAR, s->pend_line, s->pend_col);
	if (node == SPLICE_NONE)
		return s->oom ? UNSUP : unsup(s, "duplicate key");
	return 0;
}

/* A line of kind k at column col (0-based) starts: close what it closes,
 * open what it opens. After this, the innermost collection is the one the
 * line belongs to. */
static int place(struct fs *s, unsigned col, enum line_kind k, unsigned kcol)
{
	struct ffr *f;
	size_t node;
	int rc;

	if (s->pend) {
		f = &s->st[s->depth - 1];
		if (col > f->indent || (col == f->indent && k == L_DASH && !f->seq)) {
			/* the pending value is a collection starting on this line */
			int seq = k == L_DASH, indentless = col == f->indent;

			s->pend = 0;
			node = child_new(s, seq ? SPLICE_SEQUENCE : SPLICE_MAPPING, s->line, kcol);
			if (node == SPLICE_NONE)
				return s->oom ? UNSUP : unsup(s, "duplicate key");
			return push(s, node, col, seq, indentless);
		}
		rc = pend_null(s);
		if (rc)
			return rc;
	}
	while (s->depth) {
		f = &s->st[s->depth - 1];
		if (f->indent > col || (f->indentless && f->indent == col && k == L_KEY)) {
			s->depth--;
			continue;
		}
		break;
	}
	if (!s->depth)
		return unsup(s, "line left of the top level");
	f = &s->st[s->depth - 1];
	if (f->indent != col || f->seq != (k == L_DASH))
		return unsup(s, "uneven indentation");
	return 0;
}

/* After a key's ':' (at colon): a token, or nothing (pending). */
static int key_value(struct fs *s, size_t colon)
{
	size_t p = colon + 1;

	if (p < s->le && s->t[p] == ' ' && p + 1 < s->le &&
	    (s->t[p + 1] == '!' || s->t[p + 1] == '&'))
		return token(s, p + 1);
	s->pend = 1;
	s->pend_line = s->line;
	s->pend_col = col_of(s, p);
	return line_rest(s, p);
}

/* ---- metadata ---- */

struct meta {
	unsigned f_col, s_col, k_col, c_col; /* fields, '-' of slots, slot fields, data_key text */
	int have_version, have_fn, in_keys, keys_done, in_dk;
	struct keyslot *slot; /* the open slot */
	struct buf dk;
};

static int meta_slot_end(struct fs *s, struct meta *m)
{
	if (m->slot && ((!m->slot->recipient && !m->slot->scrypt) || !m->slot->data_key))
		return unsup(s, "key slot");
	m->slot = NULL;
	return 0;
}

static int meta_dk_end(struct fs *s, struct meta *m)
{
	if (!m->in_dk)
		return 0;
	m->in_dk = 0;
	m->slot->data_key = buf_memdup0(m->dk.p, m->dk.len);
	m->slot->data_key_len = m->dk.len;
	return m->slot->data_key ? 0 : oom(s);
}

/* A slot field at p (after "- " or the indentation). */
static int meta_slot_field(struct fs *s, struct meta *m, size_t p)
{
	const unsigned char *t = s->t;
	struct keyslot *sl = m->slot;
	size_t v, e = s->le;

	while (e > p && t[e - 1] == ' ')
		e--;
	if (e - p > 11 && memcmp(t + p, "recipient: ", 11) == 0) {
		if (sl->recipient || sl->scrypt)
			return unsup(s, "recipient");
		/* age1... or an ssh line ("ssh-ed25519 BASE64 comment"): what a
		 * plain scalar reads as it is; libyaml takes anything else */
		for (v = p + 11; v < e; v++)
			if (!((t[v] >= '0' && t[v] <= '9') || (t[v] >= 'a' && t[v] <= 'z') ||
			      (t[v] >= 'A' && t[v] <= 'Z') ||
			      (v > p + 11 && (t[v] == ' ' || t[v] == '+' || t[v] == '/' ||
					      t[v] == '=' || t[v] == '@' || t[v] == '.' ||
					      t[v] == '_' || t[v] == ',' || t[v] == '-'))))
				return unsup(s, "recipient");
		sl->recipient = buf_memdup0(t + p + 11, e - p - 11);
		return sl->recipient ? 0 : oom(s);
	}
	if (e - p == 18 && memcmp(t + p, "passphrase: scrypt", 18) == 0) {
		if (sl->recipient || sl->scrypt)
			return unsup(s, "passphrase");
		sl->scrypt = 1;
		return 0;
	}
	if (e - p == 11 && memcmp(t + p, "data_key: |", 11) == 0) {
		if (sl->data_key || m->in_dk)
			return unsup(s, "data_key");
		m->in_dk = 1;
		m->c_col = 0;
		m->dk.len = 0;
		return 0;
	}
	return unsup(s, "key slot field");
}

static int meta_field(struct fs *s, struct meta *m, size_t p)
{
	struct splice_doc *d = s->d;
	const unsigned char *t = s->t;
	size_t e = s->le, v;

	while (e > p && t[e - 1] == ' ')
		e--;
	if (e - p > 9 && memcmp(t + p, "version: ", 9) == 0) {
		char num[16];

		v = e - p - 9;
		if (m->have_version++ || v > 9)
			return unsup(s, "version");
		memcpy(num, t + p + 9, v);
		num[v] = '\0';
		if (strspn(num, "0123456789") != v ||
		    (strtol(num, NULL, 10) != 1 && strtol(num, NULL, 10) != 2))
			return unsup(s, "version");
		d->version = strtol(num, NULL, 10);
		return 0;
	}
	if (e - p == 19 && memcmp(t + p, "final_newline: true", 19) == 0) {
		if (m->have_fn++)
			return unsup(s, "final_newline");
		return 0;
	}
	if (e - p == 20 && memcmp(t + p, "final_newline: false", 20) == 0) {
		if (m->have_fn++)
			return unsup(s, "final_newline");
		d->final_newline = 0;
		return 0;
	}
	if (e - p == 5 && memcmp(t + p, "keys:", 5) == 0) {
		if (m->in_keys || m->keys_done)
			return unsup(s, "keys");
		m->in_keys = 1;
		return 0;
	}
	if (e - p > 5 && memcmp(t + p, "mac: ", 5) == 0) {
		/* the last line of the store: then nothing but EOF */
		size_t q = s->le + (s->le < s->len ? (t[s->le] == '\r' ? 2 : 1) : 0);

		if (q != s->len)
			return unsup(s, "text after the mac");
		for (v = p + 5; v < e; v++)
			if (!((t[v] >= '0' && t[v] <= '9') || (t[v] >= 'a' && t[v] <= 'z') ||
			      (t[v] >= 'A' && t[v] <= 'Z') || t[v] == '+' || t[v] == '/' || t[v] == '='))
				return unsup(s, "mac");
		d->mac = buf_memdup0(t + p + 5, e - p - 5);
		d->mac_start = p + 5;
		d->mac_end = e;
		return d->mac ? 0 : oom(s);
	}
	return unsup(s, "metadata field");
}

/* The metadata block: from the line after "secretctl:" (at column kc) to
 * the end of the text, in the shape store.c writes. */
static int meta_lines(struct fs *s, struct meta *m, size_t pos, unsigned kc)
{
	struct splice_doc *d = s->d;
	const unsigned char *t = s->t;
	int rc = 0;

	while (pos < s->len && !rc) {
		const unsigned char *nl = memchr(t + pos, '\n', s->len - pos);
		size_t p;
		unsigned col;

		s->ls = pos;
		s->le = nl ? (size_t)(nl - t) : s->len;
		pos = nl ? s->le + 1 : s->len;
		if (nl && s->le > s->ls && t[s->le - 1] == '\r')
			s->le--;
		s->line++;
		s->hi = 0;
		p = skip_sp(s, s->ls);
		col = (unsigned)(p - s->ls);
		if (p == s->le || t[p] == '#')
			return unsup(s, "blank line or comment in the metadata");
		if (m->in_dk) {
			if (!m->c_col && col > m->k_col)
				m->c_col = col;
			if (m->c_col && col == m->c_col) {
				for (size_t i = p; i < s->le; i++)
					if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'z') ||
					      (t[i] >= 'A' && t[i] <= 'Z') || t[i] == '+' || t[i] == '/' ||
					      t[i] == '=' || t[i] == '-' || t[i] == ' '))
						return unsup(s, "data_key text");
				if (buf_append(&m->dk, t + p, s->le - p) || buf_putc(&m->dk, '\n'))
					return oom(s);
				continue;
			}
			if (!m->c_col || col > m->k_col)
				return unsup(s, "data_key indentation");
			rc = meta_dk_end(s, m);
			if (rc)
				break;
		}
		if (!m->f_col) {
			if (col <= kc)
				return unsup(s, "metadata is no block mapping");
			m->f_col = col;
		}
		if (m->in_keys && m->slot && col == m->k_col && t[p] != '-') {
			rc = meta_slot_field(s, m, p);
		} else if (m->in_keys && t[p] == '-' && p + 1 < s->le && t[p + 1] == ' ' &&
			   (m->s_col ? col == m->s_col : col >= m->f_col)) {
			size_t q = skip_sp(s, p + 1);
			struct keyslot *sl;

			rc = meta_slot_end(s, m);
			if (rc)
				break;
			m->s_col = col;
			if (m->k_col && q - s->ls != m->k_col)
				return unsup(s, "key slot indentation");
			m->k_col = (unsigned)(q - s->ls);
			sl = realloc(d->slots, (d->n_slots + 1) * sizeof *sl);
			if (!sl)
				return oom(s);
			d->slots = sl;
			m->slot = sl = &d->slots[d->n_slots++];
			memset(sl, 0, sizeof *sl);
			sl->line = s->line;
			sl->col = (unsigned)(q - s->ls) + 1;
			rc = meta_slot_field(s, m, q);
		} else if (col == m->f_col) {
			rc = meta_slot_end(s, m);
			if (rc)
				break;
			if (m->in_keys) {
				if (!d->n_slots)
					return unsup(s, "keys");
				m->in_keys = 0;
				m->keys_done = 1;
			}
			rc = meta_field(s, m, p);
		} else {
			rc = unsup(s, "metadata indentation");
		}
	}
	if (rc)
		return rc;
	if (!d->mac || m->in_keys || m->in_dk || !m->have_version || !d->n_slots)
		return unsup(s, "incomplete metadata");
	return 0;
}

static int meta_parse(struct fs *s, size_t pos, unsigned kc, size_t key_at)
{
	struct splice_doc *d = s->d;
	struct meta m = { 0 };
	size_t a;
	int rc;

	d->final_newline = 1;
	rc = meta_lines(s, &m, pos, kc);
	buf_free(&m.dk);
	if (rc)
		return rc;
	/* finish_store: the lines of the block, and the line break before it
	 * when the block says final_newline: false */
	a = key_at - kc;
	if (!d->final_newline) {
		size_t n = splice_eol_len(s->t, a);

		if (!n)
			return unsup(s, "final_newline");
		a -= n;
	}
	d->meta_start = a;
	d->meta_end = s->len;
	return 0;
}

/* ---- driver ---- */

static int scan_lines(struct fs *s)
{
	const unsigned char *t = s->t;
	size_t pos = 0;
	int rc, doc_start = 0;

	if (s->len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
		return unsup(s, "byte order mark");
	while (pos < s->len) {
		const unsigned char *nl = memchr(t + pos, '\n', s->len - pos);
		size_t p, colon, ls = pos;
		unsigned col, kcol;
		enum line_kind k;

		s->ls = pos;
		s->le = nl ? (size_t)(nl - t) : s->len;
		pos = nl ? s->le + 1 : s->len;
		if (nl && s->le > s->ls && t[s->le - 1] == '\r')
			s->le--;
		s->line++;
		s->hi = 0;
		p = skip_sp(s, s->ls);
		if (p == s->le)
			continue;
		if (t[p] == '#') {
			rc = comment(s, p);
			if (rc)
				return rc;
			continue;
		}
		col = (unsigned)(p - ls);
		if (!s->depth && !doc_start && p == ls && s->le - p >= 3 && memcmp(t + p, "---", 3) == 0 &&
		    (p + 3 == s->le || t[p + 3] == ' ')) {
			/* an explicit document start before the top level */
			doc_start = 1;
			rc = line_rest(s, p + 3);
			if (rc)
				return rc;
			continue;
		}
		k = t[p] == '-' && (p + 1 == s->le || t[p + 1] == ' ') ? L_DASH : L_KEY;
		if (!s->depth) {
			/* the top-level mapping starts at the first key */
			size_t root;

			if (k != L_KEY)
				return unsup(s, "top level is no mapping");
			root = node_new(s, SPLICE_MAPPING, s->line, col + 1);
			if (root == SPLICE_NONE)
				return oom(s);
			s->d->indent = col;
			rc = push(s, root, col, 0, 0);
			if (rc)
				return rc;
		} else {
			rc = place(s, col, k, col + 1);
			if (rc)
				return rc;
		}
		if (k == L_DASH) {
			size_t q = p + 1;

			if (q == s->le || (t[q] == ' ' && skip_sp(s, q) == s->le) ||
			    (t[q] == ' ' && t[skip_sp(s, q)] == '#')) {
				/* "-" alone: a pending entry */
				s->pend = 1;
				s->pend_line = s->line;
				s->pend_col = col + 2;
				rc = line_rest(s, q);
				if (rc)
					return rc;
				continue;
			}
			q++;
			if (t[q] == '!' || t[q] == '&') {
				rc = token(s, q);
				if (rc)
					return rc;
				continue;
			}
			/* "- key: ...": a compact mapping as the entry */
			q = skip_sp(s, q);
			kcol = (unsigned)(q - ls);
			rc = key_parse(s, q, &s->pkey, &colon);
			if (rc)
				return rc;
			{
				size_t node = child_new(s, SPLICE_MAPPING, s->line, kcol + 1);

				if (node == SPLICE_NONE)
					return oom(s);
				rc = push(s, node, kcol, 0, 0);
				if (rc)
					return rc;
			}
		} else {
			rc = key_parse(s, p, &s->pkey, &colon);
			if (rc)
				return rc;
			if (s->depth == 1 && s->pkey.key_len == 9 &&
			    memcmp(s->pkey.key, "secretctl", 9) == 0) {
				if (t[p] != 's' || skip_sp(s, colon + 1) != s->le)
					return unsup(s, "metadata key");
				return meta_parse(s, pos, col, p);
			}
		}
		rc = key_value(s, colon);
		if (rc)
			return rc;
	}
	return unsup(s, "no metadata block");
}

int splice_scan_store_fast(const char *text, size_t len, struct splice_doc *out,
			   struct splice_fast_info *info, struct err *e)
{
	return splice_scan_store_fast_in(text, len, NULL, 0, out, info, e);
}

int splice_scan_store_fast_in(const char *text, size_t len, void *room, size_t room_len,
			      struct splice_doc *out, struct splice_fast_info *info, struct err *e)
{
	struct fs s;
	int rc;

	splice_doc_free(out);
	out->final_newline = 1;
	out->eol = "\n";
	err_clear(e);
	if (info)
		memset(info, 0, sizeof *info);
	memset(&s, 0, sizeof s);
	s.t = (const unsigned char *)text;
	s.len = len;
	s.d = out;
	s.info = info;
	s.e = e;
	if (room) { /* aligned for the block's header and arrays */
		uintptr_t a = ((uintptr_t)room + MEM_HEAD - 1) & ~(uintptr_t)(MEM_HEAD - 1);

		if (a - (uintptr_t)room < room_len) {
			s.room = (unsigned char *)a;
			s.room_len = room_len - (a - (uintptr_t)room);
		}
	}
	/* a node, an item and a key a line, most often */
	s.lines = count_lf(s.t, len) + 1;
	s.tab_mask = 15;
	while (s.tab_mask < s.lines + s.lines / 3)
		s.tab_mask = 2 * s.tab_mask + 1;
	/* node + 1 (at most 2 a line) has 24 bits of a table entry */
	if (s.lines >= (size_t)1 << 22)
		rc = unsup(&s, "too many lines");
	else if (mem_block(&s, s.lines + 16, s.lines + 16))
		rc = oom(&s);
	else
		rc = scan_lines(&s);
	if (s.oom) {
		splice_doc_free(out);
		return err_oom(e);
	}
	if (rc) {
		splice_doc_free(out);
		return SPLICE_FAST_UNSUPPORTED;
	}
	{
		const char *nl = memchr(text, '\n', len);

		out->eol = nl && nl > text && nl[-1] == '\r' ? "\r\n" : "\n";
	}
	return 0;
}
