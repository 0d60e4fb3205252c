/* splice: the text side of the store format (docs/FORMAT.md, sections 3
 * and 7): find value regions and comments in a plaintext view; find tokens
 * and the metadata block in an encrypted store; the node tree PATHs walk
 * (and yedit edits on); a value resolved from its region in context. No crypto here: store.c
 * encrypts and decrypts the byte ranges this module finds. */
#ifndef SECRETCTL_SPLICE_H
#define SECRETCTL_SPLICE_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/keyslot.h"
#include "secretctl/path.h"
#include "secretctl/secmem.h"

#define SPLICE_NONE ((size_t)-1)
/* Aliases may add at most this many nodes to a document's expanded tree
 * (an alias adds as many as the tree it names holds). A document beyond
 * it is refused when scanned, so no walk of any tree runs away
 * (splice_scan_edit excepted: nothing walks its aliases). */
#define SPLICE_MAX_ALIAS_NODES 100000

enum splice_kind {
	SPLICE_VALUE,   /* a value scalar's region / a " !enc B64" token */
	SPLICE_COMMENT, /* a '#' comment / a "#!enc B64" token */
};

/* A region of a plaintext view, or a token of a store. Byte offsets.
 * (The 4-byte fields come first, so there is no padding: a big store has
 * an item a line.) */
struct splice_item {
	enum splice_kind kind;
	/* Plaintext item: the length of the line break the region ends with
	 * (1 LF/CR, 2 CRLF/NEL, 3 LS/PS), 0 if none; the token is followed by
	 * text[end - eol, end). Store token: the length of the line break right
	 * after the token text, 0 if none; whether it belongs to the token is
	 * known only after decryption: see splice_token_end(). */
	int eol;
	unsigned line, col;  /* 1-based position, for messages */
	/* Plaintext: [start,end) is the region / the comment ('#' up to the
	 * line break, excluded). Store: the token's text (" [&a ]!enc B64",
	 * "#!enc B64"), without a line break after it. */
	size_t start, end;
	size_t anchor_start; /* value with an anchor: offset of the name (after '&') */
	size_t anchor_len;   /* 0: no anchor */
	size_t b64_start;    /* store tokens only: the base64 payload */
	size_t b64_len;
	size_t node;         /* SPLICE_VALUE: the node (index in splice_doc.nodes); its
			      * canonical path is splice_node_canonical's */
};

enum splice_node_type { SPLICE_SCALAR, SPLICE_MAPPING, SPLICE_SEQUENCE, SPLICE_ALIAS };

/* The document's nodes; node 0 is the top-level mapping. Children are linked
 * in document order. Mapping keys are plaintext in both views. (The 4-byte
 * fields come first, so there is no padding.) */
struct splice_node {
	enum splice_node_type type;
	int flow;             /* collections: flow style ([...] / {...}) */
	unsigned indent;      /* block collections: the column of their keys / '-' (libyaml's
			       * indentation level, from which |N counts) */
	int is_key;           /* a scalar used as a mapping key that has an anchor and so can be
			       * the target of an alias: not in the tree (parent SPLICE_NONE),
			       * its decoded value in key/key_len, item SPLICE_NONE. From
			       * splice_scan_edit every key is such a node, right before its
			       * value's (an alias used as a key: an SPLICE_ALIAS one; only an
			       * anchored key has key/key_len) */
	unsigned line, col;
	size_t parent, first_child, next_sibling; /* SPLICE_NONE when absent */
	/* key of this node in its parent mapping (decoded), else NULL: key_len
	 * bytes, NUL-terminated only from splice_scan_store and
	 * splice_scan_plain (a fast scan's keys point into its text) */
	char *key;
	size_t key_len;
	size_t item;          /* SPLICE_SCALAR: its item (region/token), SPLICE_NONE for an implicit null */
	size_t target;        /* SPLICE_ALIAS: the anchored node it refers to */
	size_t n_children;
	size_t index;         /* position among the parent's children (a sequence index) */
};

/* Where a node is in a plaintext view (splice_scan_edit): byte offsets of
 * its events, for editing the text around it. */
#define SPLICE_SPAN_ANCHOR 0x1 /* it has an anchor */
#define SPLICE_SPAN_TAG 0x2    /* it has a tag */
#define SPLICE_SPAN_BINARY 0x4 /* the tag is !!binary */
struct splice_span {
	size_t start;         /* its first event's start: its properties, if any */
	size_t end;           /* its last event's end (a collection's end event: after '}' or
			       * ']'; libyaml puts a block collection's at the next token) */
	size_t gap;           /* the end of the event before its first */
	size_t val, vlen;     /* a value scalar: libyaml's value (!!binary not decoded) at
			       * splice_doc.vals.p + val */
	unsigned char style;  /* a scalar: libyaml's yaml_scalar_style_t */
	unsigned char flags;  /* SPLICE_SPAN_* */
};

struct splice_doc {
	struct splice_item *items;  /* in file order */
	size_t n_items, cap_items;
	struct splice_node *nodes;
	size_t n_nodes, cap_nodes;
	/* Plaintext: where store.c inserts the metadata block: the start of the
	 * line holding an explicit document end marker "...", else len. And
	 * final_newline: 1 if text[0, meta_at) is empty or ends with a line
	 * break; when 0, store.c writes d->eol, then the block with the extra
	 * field "final_newline: false" (which the MAC must cover).
	 * Store: [meta_start, meta_end) is exactly what decryption removes: the
	 * lines of the block (from the start of the "secretctl:" line to the
	 * end of its last line, line break included) and, when the block says
	 * "final_newline: false", the line break before it. final_newline is
	 * that field (default 1). */
	size_t meta_at;
	int final_newline;
	/* store only */
	size_t meta_start, meta_end;
	long version;                /* 1 or 2 */
	struct keyslot *slots;
	size_t n_slots;
	char *mac;                   /* base64 text */
	size_t mac_start, mac_end;   /* the mac value's bytes in the text (what
				      * the version 2 MAC leaves out) */
	/* both views */
	size_t indent;               /* the top-level mapping's column (0-based) */
	const char *eol;             /* "\n" or "\r\n": the first line break of the text */
	/* end of an explicit "---" when the document has directives (%YAML,
	 * %TAG), else 0: text[0, prolog_end) is replayed by splice_value so
	 * tag handles resolve. */
	size_t prolog_end;
	/* splice_scan_plain only (NULL for stores): for each node, the byte
	 * offset where its mapping key starts (properties included), or
	 * SPLICE_NONE (the root, sequence items, anchored keys) */
	size_t *key_start;
	size_t cap_key_start;
	/* splice_scan_edit only (else NULL, empty): a span for each node, and
	 * the value scalars' values (secrets: in secmem) */
	struct splice_span *span;
	size_t cap_span;
	struct secmem vals;
	/* a %TAG directive redefines "!!" (so a new !!binary value needs the
	 * verbatim tag) */
	int verbatim_binary;
	/* splice_scan_store_fast only: the one block that holds its nodes and
	 * items (so these arrays are never to be grown), and its decoded keys;
	 * splice_doc_free frees it (splice_arena_free) instead of them. */
	struct splice_arena *arena;
};

/* The head of a block that holds a doc's nodes and items in one (the fast
 * scanner's): how the block was allocated, so that splice_doc_free gives
 * it back without knowing the scanner that made it, and the blocks of
 * decoded keys (malloc'ed), chained. */
struct splice_arena_blk {
	struct splice_arena_blk *next;
	size_t used, cap;
};
struct splice_arena {
	size_t mapped;                 /* buf_big_alloc'ed, this size; 0: malloc'ed or lent */
	int lent;                      /* in memory the caller lent: not freed */
	struct splice_arena_blk *keys; /* decoded keys */
};

/* Both scans replace *out (call splice_doc_free after, also on failure; a
 * zeroed struct is empty). On success node 0 always exists: the top-level
 * mapping; an empty store (no document, or "---" and nothing) gives a
 * node 0 mapping with no children, indent 0.
 *
 * Scan a plaintext view: validate it (one document, top level a block
 * mapping or nothing but comments, scalar unique keys, no reserved
 * "secretctl" top-level key, no %TAG redefining "!") and list its value
 * regions and comments in file order, with the node tree. ERR_INPUT with
 * "line L, column C: why" on invalid input. */
int splice_scan_plain(const char *text, size_t len, struct splice_doc *out, struct err *e);

/* The plaintext view's tree for editing it (yedit): libyaml's rules and
 * the tree's own (one document; scalar keys (an alias as a key names a
 * key); defined aliases; at most 256 levels) only. What a store adds to them
 * (splice_scan_plain's rules on the top level, keys, aliases and
 * comments) is checked when the edited view is encrypted; so the top
 * level may be any node (node 0), and there are no comment items. A UTF-8
 * BOM is skipped, UTF-16 refused. Also fills span, vals, and a node for
 * every key. ERR_INPUT with "line L, column C: why" as yedit words it. */
int splice_scan_edit(const char *text, size_t len, struct splice_doc *out, struct err *e);

/* Scan an encrypted store: every value scalar must be a " !enc B64" token
 * (implicit nulls excepted), comments are "#!enc B64" tokens, the metadata
 * block is the last top-level key "secretctl". ERR_INPUT with line:column
 * when the text is not a store. B64 is not checked here: store.c decodes
 * a token (and refuses one that is no canonical base64) when it opens it,
 * after the MAC has authenticated the whole text. */
int splice_scan_store(const char *text, size_t len, struct splice_doc *out, struct err *e);

/* Walk a PATH (aliases followed, also at the end: the result is never an
 * alias). Mapping keys match by bytes, sequences by index (path_seg_index).
 * Returns the node index, or SPLICE_NONE. "<<" merge keys are plain keys. */
size_t splice_lookup(const struct splice_doc *d, const struct path *p);
/* Follow an alias to its anchored node (other nodes: themselves). */
size_t splice_resolve(const struct splice_doc *d, size_t node);
/* The child of node (not an alias) that seg names, as splice_lookup
 * matches it, or SPLICE_NONE. */
size_t splice_child(const struct splice_doc *d, size_t node, const struct path_seg *seg);

/* Length of the line break that ends p[0, n): 0 if none. */
size_t splice_eol_len(const unsigned char *p, size_t n);
/* A store value token replaces [it->start, splice_token_end(...)) with the
 * decrypted region: the line break after the token belongs to it exactly
 * when the region itself ends in a line break (a block scalar). */
size_t splice_token_end(const struct splice_item *it, const unsigned char *region,
			size_t region_len);
/* The PATH of a node (escaped form), appended to out. 0 or -1. */
int splice_node_path(const struct splice_doc *d, size_t node, struct buf *out);
/* The canonical path of a node (path_canonical's form: what a value
 * token's tag binds), appended to out; empty for the root and for
 * SPLICE_NONE (a comment's node). Computed from the parent chain when
 * asked, so a scan copies no path per item. 0 or -1. */
int splice_node_canonical(const struct splice_doc *d, size_t node, struct buf *out);

/* The value of scalar node `node` (FORMAT.md 7.2: chomping, escapes, folding,
 * !!binary decoded), given `text` (the text `d` was scanned from: a store
 * or a plaintext view) and the node's region in plaintext (for a plaintext
 * view: text + item.start). The region is parsed in its original context
 * (indentation, parent), with secret bytes only in secmem memory where
 * possible. Appended to out. ERR_INPUT on a malformed value (bad !!binary). */
/* A scalar's value is libyaml's (a null such as "~" is the text "~"); an
 * implicit null is empty; a mapping or sequence is ERR_INPUT. Aliases are
 * followed. Secret bytes pass through libyaml's own buffers, which are
 * zeroed where reachable (input copies, the event), not where libyaml
 * frees them itself. */
int splice_value(const char *text, size_t len, const struct splice_doc *d, size_t node,
		 const unsigned char *region, size_t region_len, struct secmem *out,
		 struct err *e);
/* The bytes of a !!binary value v[0, n) (base64, blanks and line breaks
 * allowed), appended to out. ERR_INPUT when it is not base64. */
int splice_binary_decode(const char *v, size_t n, struct secmem *out, struct err *e);

/* ---- fast path (splice_fast.c) ----
 * store_load's first try: a line scanner for the common subset of stores
 * (block mappings and "- " sequences with plain or simply quoted keys,
 * values that are " [&anchor ]!enc B64" tokens or implicit nulls, "#!enc B64"
 * comments on their own lines or after a value, blank lines, LF or CRLF,
 * the metadata block as store.c writes it, as the end of the text). On
 * that subset it fills *out exactly as splice_scan_store would (items,
 * nodes, metadata, eol, indent) at a few instructions per byte. Anything
 * else, including every invalid store, is SPLICE_FAST_UNSUPPORTED with
 * *out emptied: call splice_scan_store, which decides and gives the
 * messages. Otherwise 0, or ERR_FAIL on out of memory. info (may be NULL)
 * says why a text was unsupported (a static string) and on which line.
 * The doc's keys point into text: keep text until splice_doc_free. */
#define SPLICE_FAST_UNSUPPORTED (-1)
struct splice_fast_info {
	const char *why;
	size_t line;
};
int splice_scan_store_fast(const char *text, size_t len, struct splice_doc *out,
			   struct splice_fast_info *info, struct err *e);
/* The same, given room: memory that the scan's block (its nodes, items and
 * duplicate-key table) may take when it fits there, instead of a block of
 * its own. store_load gives the rest of the huge pages the text was read
 * into, whose zeroing is paid already. Keep room, like text, until
 * splice_doc_free. */
int splice_scan_store_fast_in(const char *text, size_t len, void *room, size_t room_len,
			      struct splice_doc *out, struct splice_fast_info *info,
			      struct err *e);
/* (splice.c) Frees d->arena and what it holds: d->nodes, d->items, the
 * decoded keys. splice_doc_free calls it, and the fast scanner when it
 * moves to a bigger block. */
void splice_arena_free(struct splice_doc *d);

void splice_doc_free(struct splice_doc *d);

/* A new node of type at line:col, unlinked (parent and children
 * SPLICE_NONE); its index, or SPLICE_NONE when out of memory. */
size_t splice_node_new(struct splice_doc *d, enum splice_node_type type, unsigned line,
		       unsigned col);

/* Append node as the last child of parent; *last is the parent's last
 * child so far (SPLICE_NONE: none), updated. libyaml's scan builds the tree
 * with it (splice_fast.c inlines the same). */
void splice_link_child(struct splice_doc *d, size_t parent, size_t *last, size_t node);

/* Mapping children by (parent, key), for libyaml's scan's duplicate-key
 * check (splice_fast.c has its own table in its block). A zeroed struct
 * is empty. */
struct splice_keyset {
	size_t *slot; /* open addressing: node + 1, 0 empty */
	size_t cap, n;
};
/* 1 if nodes[node]'s key is already among its parent's, else adds it and
 * returns 0; -1 when out of memory. hint: how many keys to expect (0: a
 * few), so the set is sized once. */
int splice_keyset_add(struct splice_keyset *ks, const struct splice_node *nodes, size_t node,
		      size_t hint);
void splice_keyset_free(struct splice_keyset *ks);

#endif
