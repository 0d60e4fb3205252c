/* splice: the text side of store format v1 (DESIGN.md §2.1, §2.2): find
 * value regions and comments in a plaintext view; find tokens and the
 * metadata block in an encrypted store; the node tree PATHs walk; a value
 * resolved from its region in context (§2.5). No crypto here: store.c
 * encrypts and decrypts the byte ranges this module finds. */
#ifndef SECRETCTL_SPLICE_H
#define SECRETCTL_SPLICE_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/path.h"
#include "secretctl/secmem.h"

#define SPLICE_NONE ((size_t)-1)

enum splice_kind {
	SPLICE_VALUE,   /* a value scalar's region / a " !enc B64" token */
	SPLICE_COMMENT, /* a '#' comment / a "#!enc B64" token */
};

/* A region of a plaintext view, or a token of a store. Byte offsets. */
struct splice_item {
	enum splice_kind kind;
	size_t start, end;   /* [start,end): the bytes a token replaces / the token's text */
	size_t anchor_start; /* value with an anchor: offset of the name (after '&') */
	size_t anchor_len;   /* 0: no anchor */
	size_t b64_start;    /* store tokens only: the base64 payload */
	size_t b64_len;
	int eol;             /* the region ends in a line break (the token is followed by it) */
	size_t node;         /* SPLICE_VALUE: the node (index in splice_doc.nodes) */
	struct buf path;     /* SPLICE_VALUE: canonical path (path_canonical); empty for comments */
	unsigned line, col;  /* 1-based position, for messages */
};

enum splice_node_type { SPLICE_SCALAR, SPLICE_MAPPING, SPLICE_SEQUENCE, SPLICE_ALIAS };

/* The document's nodes; node 0 is the top-level mapping. Children are linked
 * in document order. Mapping keys are plaintext in both views. */
struct splice_node {
	enum splice_node_type type;
	size_t parent, first_child, next_sibling; /* SPLICE_NONE when absent */
	char *key;            /* key of this node in its parent mapping (decoded), else NULL */
	size_t key_len;
	size_t item;          /* SPLICE_SCALAR: its item (region/token), SPLICE_NONE for an implicit null */
	size_t target;        /* SPLICE_ALIAS: the anchored node it refers to */
	size_t n_children;
	unsigned line, col;
};

/* Parsed metadata block (store only). */
struct splice_slot {
	char *recipient;       /* "age1..." or NULL for the scrypt slot */
	int scrypt;            /* 1: "passphrase: scrypt" slot */
	char *data_key;        /* the armored age file (block scalar content, LF line ends) */
	unsigned line, col;
};

struct splice_doc {
	struct splice_item *items;  /* in file order */
	size_t n_items, cap_items;
	struct splice_node *nodes;
	size_t n_nodes, cap_nodes;
	/* store only */
	size_t meta_start, meta_end; /* the metadata block's bytes (removed on decryption) */
	long version;
	struct splice_slot *slots;
	size_t n_slots;
	char *mac;                   /* base64 text */
	/* both views */
	size_t indent;               /* the top-level mapping's column (0-based) */
	const char *eol;             /* "\n" or "\r\n": the first line break of the text */
};

/* Scan a plaintext view: validate it (one document, top level a block
 * mapping or nothing but comments, scalar unique keys, no reserved
 * "secretctl" top-level key, no %TAG redefining "!") and list its value
 * regions and comments in file order, with the node tree. ERR_INPUT with
 * "line L, column C: why" on invalid input. */
int splice_scan_plain(const char *text, size_t len, struct splice_doc *out, struct err *e);

/* Scan an encrypted store: every value scalar must be a " !enc B64" token
 * (implicit nulls excepted), comments are "#!enc B64" tokens, the metadata
 * block is the last top-level key "secretctl". ERR_INPUT with line:column
 * when the text is not a v1 store. */
int splice_scan_store(const char *text, size_t len, struct splice_doc *out, struct err *e);

/* Walk a PATH (aliases followed). Returns the node index, or SPLICE_NONE. */
size_t splice_lookup(const struct splice_doc *d, const struct path *p);
/* The PATH of a node (escaped form), appended to out. 0 or -1. */
int splice_node_path(const struct splice_doc *d, size_t node, struct buf *out);

/* The value of scalar node `node` (§2.5: chomping, escapes, folding,
 * !!binary decoded), given `text` (the text `d` was scanned from: a store
 * or a plaintext view) and the node's region in plaintext (for a plaintext
 * view: text + item.start). The region is parsed in its original context
 * (indentation, parent), with secret bytes only in secmem memory where
 * possible. Appended to out. ERR_INPUT on a malformed value (bad !!binary). */
int splice_value(const char *text, size_t len, const struct splice_doc *d, size_t node,
		 const unsigned char *region, size_t region_len, struct secmem *out,
		 struct err *e);

void splice_doc_free(struct splice_doc *d);

#endif
