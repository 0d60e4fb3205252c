/* merges (cmd/gitmerge.c): three stores' views merged, for git-merge and
 * edit --merge. */
#ifndef SECRETCTL_MERGES_H
#define SECRETCTL_MERGES_H

#include "cli.h"
#include "secretctl/merge.h"
#include "secretctl/store.h"

/* Open the stores paths[0..2] (base, ours, theirs; an empty base file is
 * an empty store), check and decrypt them, and merge their views into r
 * (flags: MERGE_*). Errors printed. */
int cli_merge_open(const char *const paths[3], const struct cli_args *a, struct store s[3],
		   struct secmem view[3], struct merge_result *r, unsigned flags);

#endif
