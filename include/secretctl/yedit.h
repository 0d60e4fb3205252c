/* yedit: non-interactive edits of a plaintext view for
 * `secretctl set` and `unset`. Only the bytes that must change are
 * rewritten, so everything else (comments, layout, other values) stays byte
 * for byte and the store keeps its other tokens (stable tokens).
 *
 * Choices:
 * - set on an existing scalar rewrites only its region (from its anchor/tag
 *   to its end). An anchor is kept (`&a`), so aliases follow the new value;
 *   a tag is dropped (values are bytes), except `!!binary` when needed.
 *   A comment after a block scalar's header is kept.
 * - set on a mapping, a sequence or an alias, or a PATH through a scalar or
 *   an alias, is ERR_INPUT (the message names the anchor for aliases: edit
 *   the anchored node instead, which changes every alias of it).
 * - A missing key is appended after the last entry of its parent mapping, at
 *   the column of the existing keys; missing parents become nested block
 *   mappings, 2 columns deeper. A decimal segment under a sequence is an
 *   index: equal to the length appends an item, larger is ERR_NOTFOUND. A
 *   missing parent is always created as a mapping (even for "0").
 * - An implicit null (`key:` with nothing after it) counts as missing: a
 *   PATH below it turns it into a mapping.
 * - Flow collections are edited in flow style: a new entry is appended
 *   (`, key: value` after the last entry). An empty `{}` / `[]` that is a
 *   block value becomes a block collection. A single-pair mapping inside a
 *   flow sequence (`[k: v]`) takes no new key (ERR_INPUT).
 * - unset removes the entry's whole lines (key through the end of its
 *   value, with the value's own comment lines) when the key starts its
 *   line; comment lines above and below stay. In flow collections it
 *   removes the entry and one separating comma. Removing the last entry of
 *   a nested mapping / sequence leaves `parent: {}` / `parent: []` (the
 *   parent stays a collection); removing the last top-level key leaves an
 *   empty store (`{}` when the mapping has a tag/anchor or `...` follows).
 *   An entry whose anchor an alias elsewhere uses is refused.
 * - The top-level key `secretctl` is reserved (ERR_INPUT).
 * - New lines use the file's line break (CRLF files get CRLF); a file
 *   without a final line break keeps having none when a line is appended.
 * - Every result is parsed again before it is returned: it must parse (else
 *   ERR_INPUT with e->sub = YEDIT_E_LAYOUT: layout this module cannot edit
 *   around, such as tab-indented blank lines after a plain scalar), the
 *   value at PATH must read back exactly (set), the parent must have one
 *   entry less (unset); else ERR_FAIL. Nothing is returned on failure.
 *
 * Scalar styles (yedit_render_scalar): plain when surely safe (not empty, no
 * `null`/`~`, no indicator at the start, no `: ` or ` #`, no blank at the
 * ends, printable, one line; in flow also none of `,[]{}:`), else a literal
 * block for multi-line text in block context (`|`, `|-`, `|+` by the
 * trailing line breaks; `|2` when the first line starts with a space or is
 * empty), else double-quoted with escapes (any valid UTF-8, NUL included),
 * and `!!binary` base64 for bytes that are not valid UTF-8 (a `|` block of
 * 76-column lines in block context when longer than 76, else one line;
 * `!!binary "..."` in flow). A block style is only used where the lines that
 * follow cannot be read as part of it; else the value is double-quoted. */
#ifndef SECRETCTL_YEDIT_H
#define SECRETCTL_YEDIT_H

#include <stddef.h>

#include "secretctl/err.h"
#include "secretctl/path.h"
#include "secretctl/secmem.h"

/* yedit_render_scalar flags */
#define YEDIT_FLOW 0x1   /* inside a flow collection: one line, flow-safe plain */
#define YEDIT_CRLF 0x2   /* line breaks are CRLF (block styles) */
#define YEDIT_INLINE 0x4 /* block context, but one line (no block scalar) */

/* err.sub of an ERR_INPUT when the edited text would not parse. */
#define YEDIT_E_LAYOUT 1

/* Set the scalar at p to value[0..vlen) (any bytes). text[0..len) is the
 * plaintext view (UTF-8). The new text replaces out's content. Errors:
 * ERR_INPUT (invalid YAML, reserved key, not a scalar, alias, PATH through
 * a scalar, key not UTF-8), ERR_NOTFOUND (sequence index past the end),
 * ERR_FAIL (out of memory, internal). */
int yedit_set(const char *text, size_t len, const struct path *p, const unsigned char *value,
	      size_t vlen, struct secmem *out, struct err *e);

/* Remove the node at p (a mapping entry: key and value; a sequence item).
 * The new text replaces out's content. ERR_NOTFOUND when p does not exist,
 * ERR_INPUT as for yedit_set (and for an anchor still used by an alias). */
int yedit_unset(const char *text, size_t len, const struct path *p, struct secmem *out,
		struct err *e);

/* Render a scalar value in the simplest style that reads back to the same
 * bytes, as it follows `key: ` or `- ` of an entry whose collection is at
 * column `indent` (block lines go at indent + 2). Appended to out: one line
 * without a line break, or a block header, a line break and the block's
 * lines, each ending in a line break. flags: YEDIT_*. */
int yedit_render_scalar(const unsigned char *v, size_t len, size_t indent, unsigned flags,
			struct secmem *out, struct err *e);

#endif
