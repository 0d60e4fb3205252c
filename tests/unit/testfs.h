/* Directory helpers the unit tests share (included, not linked: each test
 * is one binary). Needs <cmocka.h> included first. */
#ifndef SECRETCTL_TESTFS_H
#define SECRETCTL_TESTFS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries of a directory, without "." and "..". */
static inline size_t test_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* rm -rf dir: 0, or -1 (a teardown's result). */
static inline int test_rm_rf(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
