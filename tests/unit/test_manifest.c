#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "secretctl/manifest.h"

static int parse(const char *text, struct manifest *m, struct err *e)
{
	return manifest_parse(text, strlen(text), "m.yaml", "/etc/host/m.yaml", m, e);
}

/* text fails with a message that starts with want */
static void bad(const char *text, const char *want)
{
	struct manifest m;
	struct err e;

	assert_int_equal(parse(text, &m, &e), ERR_INPUT);
	if (strncmp(e.msg, want, strlen(want)) != 0)
		fail_msg("got '%s', want '%s...'", e.msg, want);
	assert_null(m.t);
}

static void test_full(void **state)
{
	struct manifest m;
	struct err e;

	(void)state;
	assert_int_equal(parse("store: .secret.yaml\n"
			       "install:\n"
			       "  app.env:  {env: app/env, format: podman, restart: [app.service], sudo: true}\n"
			       "  tsig.key: {file: dns/tsig.key, reader: [53, 54], mode: \"0440\", restart: bind.service,\n"
			       "             owner: bind, group: bind, dir: /srv/s, mkdir: true}\n"
			       "podman:\n"
			       "  - {env: app/env, prefix: app_, restart: [app.service]}\n"
			       "  - {file: app/db_password, name: db_password, driver: shell, label: {a: b}}\n",
			       &m, &e), 0);
	assert_string_equal(m.store, "/etc/host/.secret.yaml");
	assert_int_equal(m.n, 4);
	assert_int_equal(m.t[0].kind, MANIFEST_INSTALL);
	assert_string_equal(m.t[0].name, "app.env");
	assert_true(m.t[0].env);
	assert_true(m.t[0].has_format);
	assert_int_equal(m.t[0].dialect, ENVFMT_PODMAN);
	assert_int_equal(m.t[0].line, 3);
	assert_int_equal(m.t[0].col, 3);
	assert_true(manifest_target_has_unit(&m.t[0], "app.service"));
	assert_false(manifest_target_has_unit(&m.t[0], "bind.service"));
	assert_int_equal(m.t[1].mode, 0440);
	assert_int_equal(m.t[1].n_readers, 2);
	assert_int_equal(m.t[1].readers[1], 54);
	assert_string_equal(m.t[1].restart[0], "bind.service");
	assert_string_equal(m.t[1].owner, "bind");
	assert_string_equal(m.t[1].dir, "/srv/s");
	assert_true(m.t[1].mkdir);
	assert_true(m.t[0].sudo);
	assert_false(m.t[1].sudo);
	assert_false(m.sudo);
	assert_int_equal(m.t[2].kind, MANIFEST_PODMAN);
	assert_string_equal(m.t[2].prefix, "app_");
	assert_true(m.t[3].shell);
	assert_string_equal(m.t[3].labels[0], "a=b");
	/* the id: hash of the absolute path */
	assert_int_equal(m.id[0], 'p');
	assert_int_equal(strlen(m.id), 33);
	manifest_free(&m);

	assert_int_equal(parse("store: /s.yaml\nname: web-1\n", &m, &e), 0);
	assert_string_equal(m.store, "/s.yaml");
	assert_string_equal(m.id, "web-1");
	assert_int_equal(m.n, 0);
	manifest_free(&m);

	/* dir: one spelling of each directory */
	assert_int_equal(parse("store: /s.yaml\ndir: //srv/./s/\ninstall:\n"
			       "  a: {env: x/y, dir: /srv//s/.}\n  b: {env: x/y, dir: /}\n  c: {env: x/y, dir: ///}\n",
			       &m, &e), 0);
	assert_string_equal(m.dir, "/srv/s");
	assert_string_equal(m.t[0].dir, "/srv/s");
	assert_string_equal(m.t[1].dir, "/");
	assert_string_equal(m.t[2].dir, "/");
	manifest_free(&m);
}

static void test_errors(void **state)
{
	(void)state;
	bad("install: {}\n", "m.yaml:1:1: manifest: store: is missing");
	bad("store: s\nfromat: 1\n", "m.yaml:2:1: manifest: unknown key 'fromat'");
	bad("store: s\ninstall:\n  a: {env: x/y, fromat: podman}\n",
	    "m.yaml:3:17: install: a: unknown key 'fromat' (did you mean 'format'?)");
	bad("store: [a]\n", "m.yaml:1:8: store: expected a string, found a sequence");
	bad("store: s\nmkdir: yes\n", "m.yaml:2:8: mkdir: expected true or false");
	bad("store: s\nsudo: yes\n", "m.yaml:2:7: sudo: expected true or false");
	bad("store: s\npodman:\n  - {file: a/pw, sudo: true}\n", "m.yaml:3:18: podman[0]: unknown key 'sudo'");
	bad("store: s\ninstall:\n  a: {env: x/y, mode: \"0999\"}\n", "m.yaml:3:23: install: a: mode:");
	bad("store: s\ninstall:\n  a: {env: x/y, reader: [x]}\n", "m.yaml:3:26: install: a: expected a number");
	bad("store: s\ninstall:\n  a: {env: x/y}\n  a: {env: x/z}\n", "m.yaml:4:3: install: key 'a' appears twice");
	bad("store: s\ninstall:\n  a/b: {env: x/y}\n", "m.yaml:3:3: install: a/b:");
	bad("store: s\ninstall:\n  a: {env: x, file: y}\n", "m.yaml:3:15: install: a: give one of env: and file:");
	bad("store: s\ninstall:\n  a: {format: json}\n", "m.yaml:3:6: install: a: needs env: PATH or file: PATH");
	bad("store: s\ninstall:\n  a: {file: x, format: json}\n", "m.yaml:3:6: install: a: format: goes with env:");
	bad("store: s\ninstall:\n  a: {env: x, format: xml}\n", "m.yaml:3:23: install: a: format:");
	bad("store: s\ninstall:\n  a: {env: x, restart: [app]}\n", "m.yaml:3:24: install: a: restart:");
	bad("store: s\ninstall:\n  a: {env: x, dir: srv}\n", "m.yaml:3:20: install: a: dir: 'srv' is not an absolute path");
	bad("store: s\ninstall:\n  a: {env: x, dir: /srv/../etc}\n", "m.yaml:3:20: install: a: dir: '/srv/../etc': no '..'");
	bad("store: s\ndir: /a/..\n", "m.yaml:2:6: dir: '/a/..': no '..'");
	bad("store: s\npodman:\n  - {file: a/pw}\n  - {file: b/pw}\n",
	    "m.yaml:4:5: podman[1]: secret 'pw' is also made by the entry at line 3");
	bad("store: s\npodman:\n  - {file: a/x, name: pw, prefix: p_}\n  - {env: b, name: p_pw}\n",
	    "m.yaml:4:5: podman[1]: secret 'p_pw' is also made");
	bad("store: s\npodman:\n  - {file: a/pw, driver: vault}\n", "m.yaml:3:26: podman[0]: driver is file or shell");
	bad("store: s\npodman:\n  - {file: a/pw, label: {secretctl.manifest: x}}\n",
	    "m.yaml:3:26: podman[0]: the label secretctl.manifest is secretctl's own");
	bad("store: &a s\nname: *a\n", "m.yaml:1:8: name: aliases are not allowed");
	bad("store: s\n---\nstore: t\n", "m.yaml:2:1: manifest: one YAML document only");
	bad("store: s\ninstall: [\n", "m.yaml:");
	bad("", "m.yaml:1:1: manifest: is empty");
	bad("store: s\nname: ../x\n", "m.yaml:2:7: name:");
	bad("store: s\ninstall:\n  .secretctl-apply.x: {env: a}\n", "m.yaml:3:3: install: .secretctl-apply.x: names starting");
	bad("store: s\ninstall:\n  a: {env: \"\"}\n", "m.yaml:3:12: install: a: is empty");
}

static void test_unit_check(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(manifest_unit_check("app.service", &e), 0);
	assert_int_equal(manifest_unit_check("getty@tty1.service", &e), 0);
	assert_int_equal(manifest_unit_check("app", &e), ERR_INPUT);
	assert_int_equal(manifest_unit_check("a b.service", &e), ERR_INPUT);
	assert_int_equal(manifest_unit_check("-x.service", &e), ERR_INPUT);
	assert_int_equal(manifest_unit_check("", &e), ERR_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unit_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
