/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real-world corpus (issue 9): bounces, delay notices, auto-replies,
 * reports and human replies in the shapes of the systems that send them.
 * Every file of tests/data/corpus/<kind>/ answers the proposal in
 * tests/data/corpus/proposal.eml, by its references, its returned headers
 * or only its recipient.  The directory says what must come of it, so a
 * new file is a new test:
 *   bounce/     a delivery report: the proposal is bounced
 *   delay/      a delay or success notice: a report (or an automatic
 *               message), but nothing changes
 *   autoreply/  an automatic answer: nothing changes
 *   machine/    feedback reports, read receipts, and mail from no-reply
 *               addresses such as postmaster@ in the thread (the
 *               latter is checked not to be read as a bounce): nothing
 *               changes
 *   reply/      a person answered (even if it looks robotic): replied */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/ooo.h"
#include "tests/check_common.h"

#define PROPOSAL_ID "20261102091500.4711@mail.example.com"
#define PROSPECT "jane.doe@acme-corp.com"

enum expect { E_BOUNCE, E_DELAY, E_AUTOREPLY, E_MACHINE, E_REPLY };

static const struct {
	const char *dir;
	enum expect expect;
} dirs[] = {
    {"bounce", E_BOUNCE},
    {"delay", E_DELAY},
    {"autoreply", E_AUTOREPLY},
    {"machine", E_MACHINE},
    {"reply", E_REPLY},
};

/* The files, found when the suite is built. */
static struct crk_strv files;
static enum expect *expects;

static char *tmpdir;
static struct crk_store *store;
static struct crk_engine *engine;
static struct crk_rules rules;

static void
setup(void)
{
	struct crk_cadence cadence;

	crk_test_set_tz("Europe/Berlin");
	tmpdir = crk_test_tmpdir();
	store = crk_test_store_in(tmpdir);
	crk_rules_init_default(&rules);
	crk_strv_add(&rules.identities, "robin.smith@example.com");
	crk_strv_add(&rules.internal_domains, "example.com");
	crk_cadence_default(&cadence);
	engine = crk_engine_new(store, &rules, &cadence);
	crk_engine_set_return_date_parser(engine, crk_ooo_return_date);
}

static void
teardown(void)
{
	crk_engine_free(&engine);
	crk_store_free(&store);
	crk_rules_clear(&rules);
	crk_test_rmtree(tmpdir);
	free(tmpdir);
}

static time_t
now(void)
{
	/* A week after the proposal, before its 14-day follow-up. */
	return 1794300000; /* 2026-11-10 */
}

static struct crk_message *
parse_file(const char *path)
{
	struct crk_message *msg = NULL;
	char *raw, *error = NULL;
	size_t len = 0;

	raw = crk_test_read_file(path, &len);
	ck_assert_msg(raw != NULL, "cannot read %s", path);
	ck_assert_msg(crk_message_parse_full(raw, len, &msg, &error) == CRK_OK,
	    "%s: %s", path, error != NULL ? error : "?");
	free(raw);
	if (msg->internal_date == 0)
		msg->internal_date = msg->date;
	return msg;
}

static void
ingest(struct crk_message *msg)
{
	char *error = NULL;

	ck_assert_msg(crk_engine_begin(engine, &error) == CRK_OK, "%s", error);
	ck_assert_msg(crk_engine_ingest(
			  engine, "work", msg, NULL, now(), &error) == CRK_OK,
	    "%s", error);
	ck_assert_msg(
	    crk_engine_commit(engine, now(), &error) == CRK_OK, "%s", error);
}

static bool
names_the_proposal(const struct crk_message *msg)
{
	size_t i;

	if (msg->dsn_message_id != NULL &&
	    strcmp(msg->dsn_message_id, PROPOSAL_ID) == 0)
		return true;
	for (i = 0; i < msg->failed_recipients.count; i++) {
		if (strcmp(msg->failed_recipients.items[i], PROSPECT) == 0)
			return true;
	}
	return false;
}

START_TEST(test_corpus_message)
{
	const char *path = files.items[_i];
	enum expect expect = expects[_i];
	struct crk_message *proposal, *msg;
	struct crk_proposal *p = NULL;
	enum crk_kind kind;
	char *file, *error = NULL;

	file = crk_xasprintf(
	    "%s/tests/data/corpus/proposal.eml", crk_test_srcdir());
	proposal = parse_file(file);
	free(file);
	ingest(proposal);
	crk_message_free(&proposal);

	msg = parse_file(path);
	kind = crk_classify_kind(&rules, msg);
	switch (expect) {
	case E_BOUNCE:
		ck_assert_msg(kind == CRK_KIND_BOUNCE, "%s: a %s, not a bounce",
		    path, crk_kind_name(kind));
		ck_assert_msg(names_the_proposal(msg),
		    "%s: names neither the prospect nor the proposal (%s)",
		    path,
		    msg->failed_recipients.count > 0
			? msg->failed_recipients.items[0]
			: "no failed recipient");
		break;
	case E_DELAY:
		/* A report (with its non-final action), or, for the prose
		 * warnings of Exim, an automatic message: never a reply. */
		ck_assert_msg(
		    kind == CRK_KIND_BOUNCE || kind == CRK_KIND_AUTOREPLY,
		    "%s: a %s, not a delivery report", path,
		    crk_kind_name(kind));
		ck_assert_msg(kind != CRK_KIND_BOUNCE ||
			(msg->dsn_action != NULL &&
			    strcmp(msg->dsn_action, "failed") != 0),
		    "%s: a notice read as a failed delivery", path);
		ck_assert_msg(msg->failed_recipients.count == 0,
		    "%s: a notice names %s as failed", path,
		    msg->failed_recipients.count > 0
			? msg->failed_recipients.items[0]
			: "");
		break;
	case E_AUTOREPLY:
		ck_assert_msg(kind == CRK_KIND_AUTOREPLY,
		    "%s: a %s, not an auto-reply", path, crk_kind_name(kind));
		break;
	case E_MACHINE:
		ck_assert_msg(kind != CRK_KIND_INBOUND &&
			kind != CRK_KIND_INTERNAL && kind != CRK_KIND_OWN,
		    "%s: a machine's mail taken for a %s", path,
		    crk_kind_name(kind));
		break;
	case E_REPLY:
		ck_assert_msg(kind == CRK_KIND_INBOUND,
		    "%s: a %s, not a person's reply", path,
		    crk_kind_name(kind));
		break;
	}
	ingest(msg);
	crk_message_free(&msg);

	ck_assert_msg(
	    crk_store_proposal_find(store, PROPOSAL_ID, &p, &error) == CRK_OK,
	    "%s", error);
	switch (expect) {
	case E_BOUNCE:
		ck_assert_msg(p->state == CRK_STATE_BOUNCED,
		    "%s: the proposal is %s, not bounced", path,
		    crk_state_name(p->state));
		break;
	case E_REPLY:
		ck_assert_msg(p->state == CRK_STATE_REPLIED,
		    "%s: the proposal is %s, not replied", path,
		    crk_state_name(p->state));
		break;
	default:
		ck_assert_msg(p->state == CRK_STATE_WAITING,
		    "%s: the proposal is %s, not still waiting", path,
		    crk_state_name(p->state));
		ck_assert_uint_eq(p->round, 1);
		break;
	}
	crk_proposal_free(&p);
}
END_TEST

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .eml of every directory, sorted, so test numbers are stable. */
static void
find_files(void)
{
	size_t d, first, i;

	for (d = 0; d < CRK_N_ELEMENTS(dirs); d++) {
		char *path = crk_xasprintf(
		    "%s/tests/data/corpus/%s", crk_test_srcdir(), dirs[d].dir);
		DIR *dir = opendir(path);
		struct dirent *e;

		if (dir == NULL) {
			fprintf(stderr, "check_corpus: cannot open %s\n", path);
			exit(EXIT_FAILURE);
		}
		first = files.count;
		while ((e = readdir(dir)) != NULL) {
			size_t n = strlen(e->d_name);

			if (n > 4 && strcmp(e->d_name + n - 4, ".eml") == 0)
				crk_strv_add_owned(&files,
				    crk_xasprintf("%s/%s", path, e->d_name));
		}
		closedir(dir);
		qsort(files.items + first, files.count - first,
		    sizeof(*files.items), name_cmp);
		expects = crk_xreallocarray(expects,
		    files.count > 0 ? files.count : 1, sizeof(*expects));
		for (i = first; i < files.count; i++)
			expects[i] = dirs[d].expect;
		free(path);
	}
}

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("corpus");
	TCase *tc = tcase_create("corpus");

	find_files();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_corpus_message, 0, (int)files.count);
	suite_add_tcase(s, tc);
	return s;
}
