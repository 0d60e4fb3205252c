/* merge: three-way merge of plaintext views at the level of mapping
 * entries, for git's merge driver and `edit --merge`; and the entries two
 * views differ in, for `verify --repair`.
 *
 * A view is cut into entries: each key of a block mapping that starts its
 * line, when every mapping above it is a block mapping too, begins an
 * entry that runs to the next such key (its own line or lines, the lines
 * of its value, the comments and blank lines after it). Sequences, flow
 * collections and explicit `?` keys stay whole inside the entry that holds
 * them. The text before the first entry is an entry too (PATH ""). An
 * entry is named by its PATH, unique in a view.
 *
 * Three-way, entry by entry: an entry the same on both sides, or changed
 * on one side only (its text differs from the base's), is taken; one side
 * adding or removing an entry the other left alone is taken; an entry
 * changed on both sides differently, changed on one side and removed on
 * the other, or added under an entry the other side removed, is a
 * conflict. An entry theirs added goes after its previous sibling in
 * theirs (after that sibling's nested entries), else first under its
 * parent. */
#ifndef SECRETCTL_MERGE_H
#define SECRETCTL_MERGE_H

#include <stddef.h>

#include "secretctl/buf.h"
#include "secretctl/err.h"
#include "secretctl/secmem.h"

struct merge_view {
	const char *text;
	size_t len;
};

struct merge_result {
	struct secmem text; /* the merged view */
	/* one line per conflict: "PATH: why" (PATH "" for the text before
	 * the first entry is shown as "(top of the file)") */
	struct buf conflicts;
	size_t n_conflicts;
};

/* With MERGE_MARKERS, a conflict puts both sides (and the base) in the
 * text between git-style markers, for a person to resolve; without it the
 * text is meaningless when n_conflicts > 0. */
#define MERGE_MARKERS 0x1
#define MERGE_MARK_OURS "<<<<<<< ours"
#define MERGE_MARK_BASE "||||||| base"
#define MERGE_MARK_SEP "======="
#define MERGE_MARK_THEIRS ">>>>>>> theirs"

/* Merge ours and theirs, both changed from base (base may be empty: no
 * common ancestor). Each must be a valid plaintext view (ERR_INPUT
 * naming which one otherwise). The result replaces out's content; 0 also
 * when there are conflicts (see out->n_conflicts). */
int merge_views(const struct merge_view *base, const struct merge_view *ours,
		const struct merge_view *theirs, unsigned flags, struct merge_result *out,
		struct err *e);
void merge_result_free(struct merge_result *r);

/* The 1-based line of text where a line of merge markers starts, else 0. */
size_t merge_markers_line(const char *text, size_t len);

/* The entries in which b differs from a, one line each, appended to out:
 * "+ PATH" (only in b), "- PATH" (only in a), "~ PATH" (changed). *n gets
 * how many. */
int merge_diff(const struct merge_view *a, const struct merge_view *b, struct buf *out,
	       size_t *n, struct err *e);

#endif
