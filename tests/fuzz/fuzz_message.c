/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: a raw message, as anyone can mail it to a rep, through
 * everything core/ does with it: the full MIME parse (import, plugin), the
 * header-only parse and the report parts (IMAP sync), the fetched-text
 * decoder, the classifier, out-of-office dates and subject normalisation. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/message.h"
#include "core/normalize.h"
#include "core/ooo.h"
#include "tests/fuzz/fuzz.h"

static struct crk_rules rules;

/* Every string crickets keeps of a mail is valid UTF-8 (the feeds, the
 * store and JSON output rely on it). */
static bool
fuzz_utf8(const char *s)
{
	size_t len = strlen(s), pos = 0, n;

	while (pos < len) {
		if ((n = crk_utf8_len(s + pos, len - pos, NULL)) == 0)
			return false;
		pos += n;
	}
	return true;
}

static void
fuzz_judge(const struct crk_message *msg)
{
	char *reason = NULL;
	crk_day day;

	(void)crk_classify_kind(&rules, msg);
	(void)crk_classify_proposal(&rules, msg, &reason);
	FUZZ_CHECK(reason != NULL, "a verdict without a reason");
	free(reason);
	if (msg->body_text != NULL) {
		FUZZ_CHECK(fuzz_utf8(msg->body_text), "body text is not UTF-8");
		(void)crk_ooo_return_date(msg->body_text, msg->date, &day);
	}
	if (msg->subject != NULL) {
		char *norm = crk_subject_normalize(msg->subject);

		FUZZ_CHECK(fuzz_utf8(msg->subject), "subject is not UTF-8");
		free(norm);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *raw = (const char *)data;
	struct crk_message *msg = NULL;
	char *text;

	if (!ready) {
		fuzz_quiet();
		crk_rules_init_default(&rules);
		crk_strv_add(&rules.identities, "rep@example.com");
		crk_strv_add(&rules.internal_domains, "example.com");
		ready = true;
	}
	if (crk_message_parse_full(raw, size, &msg, NULL) == CRK_OK) {
		fuzz_judge(msg);
		crk_message_free(&msg);
	}
	if (crk_message_parse(raw, size, &msg, NULL) == CRK_OK) {
		crk_message_parse_dsn(msg, raw, size);
		fuzz_judge(msg);
		crk_message_free(&msg);
	}
	text = crk_message_decode_text(
	    raw, size, "quoted-printable", "iso-8859-1", false);
	FUZZ_CHECK(
	    text != NULL && fuzz_utf8(text), "decoded text is not UTF-8");
	free(text);
	text = crk_message_decode_text(raw, size, "base64", "utf-8", true);
	free(text);
	return 0;
}
