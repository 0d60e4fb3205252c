/* b64: strict, canonical standard base64 in both forms, compared with
 * libsodium's encoder and decoder over random inputs, every way to be
 * non-canonical, and the output cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "secretctl/b64.h"

static void test_round_trip_random(void **state)
{
	unsigned char in[70], out[70];
	char enc[sodium_base64_ENCODED_LEN(70, sodium_base64_VARIANT_ORIGINAL)];
	size_t len;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)i % 70;
		randombytes_buf(in, n);
		sodium_bin2base64(enc, sizeof enc, in, n, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(b64_decode(enc, strlen(enc), out, &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(out, in, n);
		assert_int_equal(b64_span(enc, strlen(enc)), strlen(enc));
	}
}

static void test_rejects(void **state)
{
	static const char *bad[] = {
		"QQ",       /* no padding */
		"QQ=",      /* short padding */
		"QR==",     /* non-zero unused bits (canonical is QQ==) */
		"QUJ=",     /* non-zero unused bits (canonical is QUI=) */
		"Q===",     /* one character cannot make a byte */
		"QQ==QUJD", /* padding in the middle */
		"QU=D",     /* '=' before a character */
		"QUJD\n",   /* a line break */
		"QU D",     /* a blank */
		"QUJ-",     /* url alphabet */
		"QUJ\xaf",  /* libsodium 1.0.18 reads 0xaf as '/' */
		"====",
	};
	unsigned char out[16];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(b64_decode(bad[i], strlen(bad[i]), out, &len), -1);
	}
	assert_int_equal(b64_decode("QUJD", 4, out, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "ABC", 3);
}

/* b64_span stops at the first byte that is no base64 character or '=',
 * for every byte value at every position of 0..70 bytes (the 16-byte
 * steps and the byte-wise tail), and nowhere else. */
static void test_span(void **state)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	char s[70] = { 0 };

	(void)state;
	for (size_t n = 0; n <= sizeof s; n++) {
		for (size_t i = 0; i < n; i++)
			s[i] = alpha[(i * 7 + n) % (sizeof alpha - 1)];
		assert_int_equal(b64_span(s, n), n);
		for (size_t pos = 0; pos < n; pos++) {
			char keep = s[pos];

			for (int c = 0; c < 256; c++) {
				int in = c && strchr(alpha, c) != NULL;

				s[pos] = (char)c;
				assert_int_equal(b64_span(s, n), in ? n : pos);
			}
			s[pos] = keep;
		}
	}
}

/* Both forms: our encoder writes what libsodium's does, and our decoder
 * takes it back, for every length 0..69. */
static void test_forms_match_libsodium(void **state)
{
	static const struct {
		enum b64_form form;
		int variant;
	} forms[] = {
		{ B64_PADDED, sodium_base64_VARIANT_ORIGINAL },
		{ B64_UNPADDED, sodium_base64_VARIANT_ORIGINAL_NO_PADDING },
	};
	unsigned char in[70], out[70];
	char want[sodium_base64_ENCODED_LEN(70, sodium_base64_VARIANT_ORIGINAL)];
	char to[sizeof want];
	size_t len;

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		for (int i = 0; i < 1400; i++) {
			struct buf b = { 0 };
			size_t n = (size_t)i % 70;

			randombytes_buf(in, n);
			sodium_bin2base64(want, sizeof want, in, n, forms[f].variant);
			assert_int_equal(B64_ENCODED_LEN(n, forms[f].form), strlen(want));
			assert_int_equal(buf_puts(&b, "x:"), 0);
			assert_int_equal(b64_encode(&b, in, n, forms[f].form), 0);
			assert_int_equal(b.len, 2 + strlen(want));
			assert_string_equal(b.p + 2, want);
			memset(to, '#', sizeof to);
			b64_encode_to(to, in, n, forms[f].form);
			assert_string_equal(to, want);
			assert_int_equal(b64_decode_form(want, strlen(want), forms[f].form, out, n, &len), 0);
			assert_int_equal(len, n);
			assert_memory_equal(out, in, n);
			assert_true(B64_DECODED_MAX(strlen(want)) >= n);
			/* one byte less room: refused, as libsodium does */
			if (n)
				assert_int_equal(b64_decode_form(want, strlen(want), forms[f].form, out,
								 n - 1, &len),
						 -1);
			buf_free(&b);
		}
	}
}

/* The unpadded form (age): no '=' anywhere, never 4k+1 characters, unused
 * bits zero; what libsodium's strict decoder refuses is refused here too. */
static void test_unpadded_rejects(void **state)
{
	static const char *bad[] = {
		"QQ==",  /* padding */
		"QUI=",  /* padding */
		"Q",     /* 4k+1 */
		"QUJDQ", /* 4k+1 */
		"QR",    /* non-zero unused bits (canonical is QQ) */
		"QUJ",   /* non-zero unused bits (canonical is QUI) */
		"QU D",  /* a blank */
		"QUJ-",  /* url alphabet */
		"QUJ_",
		"QUJ\xaf",
		"QUJD\n",
	};
	unsigned char out[16], sout[16];
	size_t len, slen;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(b64_decode_form(bad[i], strlen(bad[i]), B64_UNPADDED, out,
						 sizeof out, &len),
				 -1);
		if ((unsigned char)bad[i][strlen(bad[i]) - 1] < 0x80)
			assert_int_not_equal(sodium_base642bin(sout, sizeof sout, bad[i], strlen(bad[i]),
							       NULL, &slen, NULL,
							       sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
					     0);
	}
	assert_int_equal(b64_decode_form("QUI", 3, B64_UNPADDED, out, sizeof out, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "AB", 2);
	assert_int_equal(b64_decode_form("", 0, B64_UNPADDED, out, 0, &len), 0);
	assert_int_equal(len, 0);
	/* the padded form refuses the unpadded text and the other way round */
	assert_int_equal(b64_decode_form("QUI", 3, B64_PADDED, out, sizeof out, &len), -1);
	assert_int_equal(b64_decode_form("QUI=", 4, B64_UNPADDED, out, sizeof out, &len), -1);
}

/* Every 2- and 3-character tail, either form: accepted exactly when
 * libsodium's strict decoder accepts it, to the same bytes. */
static void test_tails_match_libsodium(void **state)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	unsigned char out[8], sout[8];
	char s[8];
	size_t len, slen;

	(void)state;
	for (size_t a = 0; a < 65; a++)
		for (size_t b = 0; b < 65; b++)
			for (size_t c = 0; c < 66; c++) {
				size_t n = c == 65 ? 2 : 3;
				int ours, theirs;

				s[0] = alpha[a], s[1] = alpha[b], s[2] = c < 65 ? alpha[c] : 0;
				ours = b64_decode_form(s, n, B64_UNPADDED, out, sizeof out, &len);
				theirs = sodium_base642bin(sout, sizeof sout, s, n, NULL, &slen, NULL,
							   sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
				assert_int_equal(ours, theirs);
				if (!ours) {
					assert_int_equal(len, slen);
					assert_memory_equal(out, sout, len);
				}
				/* padded: the same tail with its '=' */
				memcpy(s + n, "==", 2);
				ours = b64_decode_form(s, 4, B64_PADDED, out, sizeof out, &len);
				theirs = sodium_base642bin(sout, sizeof sout, s, 4, NULL, &slen, NULL,
							   sodium_base64_VARIANT_ORIGINAL);
				assert_int_equal(ours, theirs);
				if (!ours) {
					assert_int_equal(len, slen);
					assert_memory_equal(out, sout, len);
				}
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_forms_match_libsodium),
		cmocka_unit_test(test_unpadded_rejects),
		cmocka_unit_test(test_tails_match_libsodium),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
