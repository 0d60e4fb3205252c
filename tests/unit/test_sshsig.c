/* Unit tests for src/sshsig.c: signatures ssh-keygen -Y sign made
 * (tests/data/ssh), our own signing, damaged signatures, allowed_signers
 * files (syntax errors with line and column, namespaces=, valid-after,
 * valid-before, other key types and cert-authority). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secretctl/b64.h"
#include "secretctl/secmem.h"
#include "secretctl/sshsig.h"

static void read_data(const char *name, struct buf *b)
{
	char path[PATH_MAX], tmp[4096];
	const char *top = getenv("TOP"), *slash = strrchr(__FILE__, '/');
	FILE *f;
	size_t n;

	if (top && *top)
		snprintf(path, sizeof path, "%s/tests/data/ssh/%s", top, name);
	else
		snprintf(path, sizeof path, "%.*s/../data/ssh/%s",
			 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".", name);
	b->len = 0;
	if (!(f = fopen(path, "rb")))
		fail_msg("cannot read %s", path);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		assert_int_equal(buf_append(b, tmp, n), 0);
	fclose(f);
}

static const char pub_line[] =
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC4iIR02hMVWf2aDcGKXFnp/1ZT8NN1gTzj9OvN21lAG";

static void test_ssh_keygen_signatures(void **state)
{
	struct buf msg = { 0 }, sig = { 0 };
	struct sshsig s;
	struct err e;
	unsigned char pk[32];

	(void)state;
	assert_int_equal(sshkey_parse_public(pub_line, strlen(pub_line), pk, NULL, NULL, &e), 0);
	read_data("msg", &msg);
	read_data("msg.secretctl.sig", &sig);
	assert_int_equal(sshsig_parse(sig.p, sig.len, &s, &e), 0);
	assert_string_equal(s.ns, "secretctl");
	assert_memory_equal(s.pk, pk, 32);
	assert_int_equal(sshsig_verify(&s, (unsigned char *)msg.p, msg.len, &e), 0);
	/* over other bytes */
	msg.p[0] ^= 1;
	assert_int_equal(sshsig_verify(&s, (unsigned char *)msg.p, msg.len, &e), ERR_INTEGRITY);
	assert_int_equal(e.sub, SSHSIG_FAIL_BAD);
	msg.p[0] ^= 1;
	/* another namespace parses, and verifies only as its own */
	read_data("msg.git.sig", &sig);
	assert_int_equal(sshsig_parse(sig.p, sig.len, &s, &e), 0);
	assert_string_equal(s.ns, "git");
	assert_int_equal(sshsig_verify(&s, (unsigned char *)msg.p, msg.len, &e), 0);
	/* damaged: every truncation, a garbled character */
	read_data("msg.secretctl.sig", &sig);
	for (size_t n = 0; n + 30 < sig.len; n++)
		assert_int_equal(sshsig_parse(sig.p, n, &s, &e), ERR_INPUT);
	/* every truncation of the blob itself, re-armored: inside the
	 * fields, not only before the END line */
	{
		const char *b0 = strchr(sig.p, '\n') + 1, *b1 = strstr(sig.p, SSHSIG_END);
		struct buf b64 = { 0 }, arm = { 0 };
		unsigned char bin[1024];
		size_t bn;

		for (const char *c = b0; c < b1; c++)
			if (*c != '\n')
				assert_int_equal(buf_putc(&b64, *c), 0);
		assert_int_equal(b64_decode(b64.p, b64.len, bin, &bn), 0);
		for (size_t n = 0; n < bn; n++) {
			arm.len = 0;
			assert_int_equal(buf_puts(&arm, SSHSIG_BEGIN "\n"), 0);
			assert_int_equal(b64_encode(&arm, bin, n, B64_PADDED), 0);
			assert_int_equal(buf_puts(&arm, "\n" SSHSIG_END "\n"), 0);
			if (sshsig_parse(arm.p, arm.len, &s, &e) != ERR_INPUT)
				fail_msg("the blob cut to %zu of %zu bytes parses", n, bn);
		}
		/* a reserved field that is not empty: ssh-keygen -Y verify
		 * skips it (the signed data has an empty one), and so do we */
		{
			size_t p = 6 + 4, k;
			unsigned char w[1100];

			for (int f = 0; f < 2; f++) /* the key, the namespace */
				p += 4 + ((size_t)bin[p] << 24 | (size_t)bin[p + 1] << 16 |
					  (size_t)bin[p + 2] << 8 | bin[p + 3]);
			assert_memory_equal(bin + p, "\0\0\0\0", 4);
			memcpy(w, bin, p);
			memcpy(w + p, "\0\0\0\1x", 5);
			memcpy(w + p + 5, bin + p + 4, bn - p - 4);
			k = bn + 1;
			arm.len = 0;
			assert_int_equal(buf_puts(&arm, SSHSIG_BEGIN "\n"), 0);
			assert_int_equal(b64_encode(&arm, w, k, B64_PADDED), 0);
			assert_int_equal(buf_puts(&arm, "\n" SSHSIG_END "\n"), 0);
			assert_int_equal(sshsig_parse(arm.p, arm.len, &s, &e), 0);
			assert_int_equal(sshsig_verify(&s, (unsigned char *)msg.p, msg.len, &e), 0);
		}
		buf_free(&b64);
		buf_free(&arm);
	}
	sig.p[40] = '*';
	assert_int_equal(sshsig_parse(sig.p, sig.len, &s, &e), ERR_INPUT);
	assert_string_equal(e.msg, "ssh signature: not valid base64");
	buf_free(&msg);
	buf_free(&sig);
}

static void test_sign_roundtrip(void **state)
{
	struct buf key = { 0 }, arm = { 0 };
	struct sshsig_signer g;
	struct sshsig s;
	struct err e;

	(void)state;
	read_data("ed25519", &key);
	assert_int_equal(sshsig_signer_init(&g, (unsigned char *)key.p, key.len, "ed25519", &e), 0);
	assert_non_null(g.sk);
	assert_int_equal(sshsig_sign(&g, (const unsigned char *)"abc", 3, &arm, &e), 0);
	assert_int_equal(strncmp(arm.p, SSHSIG_BEGIN "\n", sizeof SSHSIG_BEGIN), 0);
	assert_int_equal(sshsig_parse(arm.p, arm.len, &s, &e), 0);
	assert_int_equal(sshsig_verify(&s, (const unsigned char *)"abc", 3, &e), 0);
	assert_int_equal(sshsig_verify(&s, (const unsigned char *)"abd", 3, &e), ERR_INTEGRITY);
	sshsig_signer_free(&g);
	/* a .pub names an agent key; without $SSH_AUTH_SOCK it cannot sign */
	assert_int_equal(sshsig_signer_init(&g, (const unsigned char *)pub_line, strlen(pub_line),
					    "k.pub", &e), 0);
	assert_null(g.sk);
	unsetenv("SSH_AUTH_SOCK");
	assert_int_equal(sshsig_sign(&g, (const unsigned char *)"abc", 3, &arm, &e), ERR_NOKEY);
	assert_int_equal(e.sub, SSHSIG_FAIL_AGENT);
	assert_non_null(strstr(e.msg, "$SSH_AUTH_SOCK is unset"));
	buf_free(&key);
	buf_free(&arm);
}

/* An agent that answers one byte every 100 ms: the timeout is for the
 * whole exchange, so it gives up at the deadline, not at the drip's end. */
static void test_agent_deadline(void **state)
{
	char dir[] = "/tmp/sshsig-agent.XXXXXX", sock[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sshsig_signer g;
	struct buf arm = { 0 };
	struct timespec t0, t1;
	struct err e;
	long ms;
	pid_t pid;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof sock, "%s/agent", dir);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const unsigned char hdr[4] = { 0, 0, 3, 232 }; /* 1000 bytes */
		char req[4096];
		int c = accept(fd, NULL, NULL);

		if (c < 0 || recv(c, req, sizeof req, 0) <= 0)
			_exit(1);
		for (int i = 0; i < 4 + 50; i++) {
			if (send(c, i < 4 ? (const void *)&hdr[i] : (const void *)"\x0e", 1, MSG_NOSIGNAL) != 1)
				_exit(0);
			usleep(100000);
		}
		_exit(0);
	}
	close(fd);
	setenv("SSH_AUTH_SOCK", sock, 1);
	sshsig_agent_timeout_ms = 700;
	assert_int_equal(sshsig_signer_init(&g, (const unsigned char *)pub_line, strlen(pub_line),
					    "k.pub", &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sshsig_sign(&g, (const unsigned char *)"abc", 3, &arm, &e), ERR_NOKEY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (ms > 2500)
		fail_msg("the dripping agent held the exchange for %ld ms (deadline 700 ms)", ms);
	assert_non_null(strstr(e.msg, sock));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(sock);
	rmdir(dir);
	unsetenv("SSH_AUTH_SOCK");
	sshsig_agent_timeout_ms = 60000;
	sshsig_signer_free(&g);
	buf_free(&arm);
}

static int parse(const char *text, struct sshsig_allowed *a, struct err *e)
{
	err_clear(e);
	return sshsig_allowed_parse(text, strlen(text), "as", a, e);
}

/* OpenSSH's match_pattern as OpenSSH writes it (recursive): the reference
 * the linear matcher of sshsig.c must agree with. */
static int ref_match(const char *s, const char *p)
{
	if (!*p)
		return !*s;
	if (*p == '*') {
		for (;; s++) {
			if (ref_match(s, p + 1))
				return 1;
			if (!*s)
				return 0;
		}
	}
	return *s && (*p == '?' || *p == *s) && ref_match(s + 1, p + 1);
}

/* namespaces="P" for every pattern P of up to 6 characters over a small
 * alphabet, and long runs of stars (exponential for the recursion, found
 * by fuzz_sshsig): accepted exactly when OpenSSH's matcher says so. */
static void test_namespace_patterns(void **state)
{
	static const char alpha[] = "*?sect";
	struct sshsig_allowed a;
	struct sshsig s = { 0 };
	struct err e;
	char text[2048], pat[64];
	const char *why;
	size_t n = sizeof alpha - 1, tried = 0;

	(void)state;
	assert_int_equal(sshkey_parse_public(pub_line, strlen(pub_line), s.pk, NULL, NULL, &e), 0);
	strcpy(s.ns, "secretctl");
	for (size_t len = 1; len <= 6; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= n;
		for (size_t k = 0; k < total; k++) {
			size_t x = k;
			for (size_t i = 0; i < len; i++, x /= n)
				pat[i] = alpha[x % n];
			pat[len] = '\0';
			snprintf(text, sizeof text, "admin namespaces=\"%s\" %s\n", pat, pub_line);
			assert_int_equal(parse(text, &a, &e), 0);
			if ((sshsig_allowed_check(&a, &s, 0, &why) != NULL) != ref_match("secretctl", pat))
				fail_msg("namespaces=\"%s\"", pat);
			sshsig_allowed_free(&a);
			tried++;
		}
	}
	assert_true(tried > 50000);
	memset(pat, '*', 40);
	strcpy(pat + 40, "1Z");
	snprintf(text, sizeof text, "admin namespaces=\"se*c,%s\" %s\n", pat, pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	assert_null(sshsig_allowed_check(&a, &s, 0, &why)); /* at once */
	sshsig_allowed_free(&a);
}

static void test_allowed_signers(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "admin", "as: line 1, column 6: no key after the principals" },
		{ "admin nosuch=\"x\" ", "as: line 1, column 7: unknown option" },
		{ "admin namespaces=x ssh-ed25519 AAAA", "as: line 1, column 18: option value must be a \"quoted string\"" },
		{ "admin valid-before=\"2030\" KEY", "as: line 1, column 20: bad time" },
		{ "\"admin ssh-ed25519", "as: line 1, column 1: unterminated quoted string" },
		{ "# c\n\nadmin ssh-ed25519 AAAA!", "as: line 3, column 7: ssh public key: the key is not valid base64" },
		{ "admin namespaces=\"secretctl\"", "as: line 1, column 29: no key after the options" },
		/* what ssh-keygen -Y verify refuses too */
		{ "admin namespaces=\"git\",namespaces=\"secretctl\" KEY",
		  "as: line 1, column 24: multiple namespaces= clauses" },
		{ "admin valid-after=\"20200101Z\",valid-after=\"20200101Z\" KEY",
		  "as: line 1, column 31: multiple valid-after= clauses" },
		{ "admin valid-before=\"19700101Z\" KEY", "as: line 1, column 20: bad time" },
		{ "admin valid-after=\"19700101000000Z\" KEY", "as: line 1, column 19: bad time" },
		{ "admin valid-after=\"20300101Z\",valid-before=\"20200101Z\" KEY",
		  "as: line 1, column 7: valid-before= is not after valid-after=" },
		{ "admin valid-after=\"20200101Z\",valid-before=\"20200101Z\" KEY",
		  "as: line 1, column 7: valid-before= is not after valid-after=" },
	};
	struct sshsig_allowed a;
	struct sshsig s = { 0 };
	struct err e;
	char text[1024];
	const char *why;
	time_t now = time(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "%s", bad[i].line);
		char *k = strstr(text, "KEY");
		if (k)
			snprintf(k, sizeof text - (size_t)(k - text), "%s", pub_line);
		if (parse(text, &a, &e) != ERR_INPUT || strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("'%s': '%s'", bad[i].line, e.msg);
	}
	assert_int_equal(sshkey_parse_public(pub_line, strlen(pub_line), s.pk, NULL, NULL, &e), 0);
	strcpy(s.ns, "secretctl");
	/* principals, options, comment; an rsa line and a cert-authority line are skipped */
	snprintf(text, sizeof text,
		 "# fleet\n"
		 "ops@example.org,\"admin two\" namespaces=\"git,secretctl\" %s admin key\r\n"
		 "rsa ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQ==\n"
		 "ca cert-authority %s\n",
		 pub_line, pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.skipped, 2);
	assert_string_equal(a.v[0].principals, "ops@example.org,\"admin two\"");
	assert_int_equal(a.v[0].line, 2);
	assert_non_null(sshsig_allowed_check(&a, &s, now, &why));
	sshsig_allowed_free(&a);
	/* namespaces= without secretctl */
	snprintf(text, sizeof text, "admin namespaces=\"git\" %s\n", pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	assert_null(sshsig_allowed_check(&a, &s, now, &why));
	assert_non_null(strstr(why, "namespaces="));
	sshsig_allowed_free(&a);
	/* expired, not yet valid, valid */
	snprintf(text, sizeof text, "admin valid-before=\"20200101Z\" %s\n", pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	assert_null(sshsig_allowed_check(&a, &s, now, &why));
	assert_string_equal(why, "its allowed-signers line has expired (valid-before)");
	sshsig_allowed_free(&a);
	snprintf(text, sizeof text, "admin valid-after=\"29990101000000Z\" %s\n", pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	assert_null(sshsig_allowed_check(&a, &s, now, &why));
	assert_string_equal(why, "its allowed-signers line is not valid yet (valid-after)");
	sshsig_allowed_free(&a);
	snprintf(text, sizeof text,
		 "admin valid-after=\"20200101\",valid-before=\"29990101\" %s\n", pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	assert_non_null(sshsig_allowed_check(&a, &s, now, &why));
	sshsig_allowed_free(&a);
	/* the bounds, as ssh-keygen: valid at valid-after and at valid-before */
	snprintf(text, sizeof text,
		 "admin valid-after=\"20200101Z\",valid-before=\"20200102Z\" %s\n", pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	assert_non_null(sshsig_allowed_check(&a, &s, 1577836800, &why));
	assert_null(sshsig_allowed_check(&a, &s, 1577836799, &why));
	assert_non_null(sshsig_allowed_check(&a, &s, 1577923200, &why));
	assert_null(sshsig_allowed_check(&a, &s, 1577923201, &why));
	assert_string_equal(why, "its allowed-signers line has expired (valid-before)");
	sshsig_allowed_free(&a);
	/* namespaces= is a pattern list (OpenSSH's match_pattern_list): a
	 * negation that matches wins, wherever it is */
	{
		static const struct {
			const char *list;
			int allowed;
		} ns[] = {
			{ "!secretctl,*", 0 }, { "*,!secretctl", 0 }, { "*,!git", 1 },
			{ "secret*", 1 }, { "s?cretctl", 1 }, { "secret", 0 },
			{ "secretctl?", 0 }, { "!git", 0 }, { "*", 1 }, { "git,secretctl", 1 },
			{ "!s*,secretctl", 0 },
		};
		for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
			snprintf(text, sizeof text, "admin namespaces=\"%s\" %s\n", ns[i].list,
				 pub_line);
			assert_int_equal(parse(text, &a, &e), 0);
			if ((sshsig_allowed_check(&a, &s, now, &why) != NULL) != ns[i].allowed)
				fail_msg("namespaces=\"%s\": %s", ns[i].list,
					 ns[i].allowed ? "refused" : "allowed");
			sshsig_allowed_free(&a);
		}
	}
	snprintf(text, sizeof text,
		 "admin valid-after=\"20200101\",valid-before=\"29990101\" %s\n", pub_line);
	assert_int_equal(parse(text, &a, &e), 0);
	/* a signature for another namespace is never allowed */
	strcpy(s.ns, "git");
	assert_null(sshsig_allowed_check(&a, &s, now, &why));
	sshsig_allowed_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_keygen_signatures),
		cmocka_unit_test(test_sign_roundtrip),
		cmocka_unit_test(test_allowed_signers),
		cmocka_unit_test(test_namespace_patterns),
		cmocka_unit_test(test_agent_deadline),
	};

	if (secmem_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
