/* printenv PREFIX: print NAME=HEX for every environment variable whose name
 * starts with PREFIX, one per line. Built with cc -static by
 * tests/cli/envfmt_podman.sh to run as the only program of a --rootfs
 * container (no libc there); hex keeps every byte visible. */
#include <stdio.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
	const char *prefix = argc > 1 ? argv[1] : "";
	size_t plen = strlen(prefix);
	char **e;

	for (e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		const unsigned char *v;

		if (strncmp(*e, prefix, plen) != 0)
			continue;
		if (!eq) {
			printf("%s<no '='>\n", *e);
			continue;
		}
		printf("%.*s=", (int)(eq - *e), *e);
		for (v = (const unsigned char *)eq + 1; *v; v++)
			printf("%02x", *v);
		putchar('\n');
	}
	return fflush(stdout) ? 1 : 0;
}
