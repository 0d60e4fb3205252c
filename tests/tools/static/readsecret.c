/* readsecret f:FILE | e:VAR | E: ...: print "ARG=HEX" for each argument,
 * the file's bytes or the environment variable's value in hex
 * ("ARG=<missing>" when absent); E: prints "E:NAME=HEX" for every variable
 * of the environment, in its order. Built with cc -static by
 * tests/cli/podman*.sh and examples.sh to run as the only program of a
 * --rootfs container; hex keeps every byte (NUL too) visible. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static void hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 20];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "E:") == 0) {
			for (char **e = environ; *e; e++) {
				const char *eq = strchr(*e, '=');
				if (!eq) {
					printf("E:%s<no '='>\n", *e);
					continue;
				}
				printf("E:%.*s=", (int)(eq - *e), *e);
				hex((const unsigned char *)eq + 1, strlen(eq + 1));
				putchar('\n');
			}
			continue;
		}
		printf("%s=", a);
		if (strncmp(a, "e:", 2) == 0) {
			const char *v = getenv(a + 2);
			if (v)
				hex((const unsigned char *)v, strlen(v));
			else
				fputs("<missing>", stdout);
		} else if (strncmp(a, "f:", 2) == 0) {
			FILE *f = fopen(a + 2, "rb");
			size_t n;
			if (!f) {
				fputs("<missing>", stdout);
			} else {
				n = fread(buf, 1, sizeof buf, f);
				hex(buf, n);
				fclose(f);
			}
		} else {
			fputs("<bad argument>", stdout);
		}
		putchar('\n');
	}
	return fflush(stdout) ? 1 : 0;
}
