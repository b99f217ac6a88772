/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for core/template.c: loading, angles, placeholders, names, companies.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/template.h"
#include "tests/check_common.h"

static char *
render_text(const char *body, const struct crk_template_values *v)
{
	struct crk_template *tpl;
	char *out;

	crk_template_parse(body, 1, "test", &tpl);
	out = crk_template_render(tpl, v);
	crk_template_free(&tpl);
	return out;
}

static const struct crk_template_values full_values = {"Jane", "ACME",
    "Proposal Q3 rollout", 20759 /* 2026-11-02 */, 14, 3, "Rita Rep"};
static const struct crk_template_values no_values = {
    NULL, NULL, NULL, CRK_DAY_NONE, -1, 0, NULL};

static const struct {
	const char *body;
	bool full; /* full_values, else no_values */
	const char *want;
} render_cases[] = {
    {"Hi {first_name},\n", true, "Hi Jane,\n"},
    {"Hi {first_name},\n", false, "Hi,\n"},
    {"Touch {touch} after {days_silent} days.\n", true,
	"Touch 3 after 14 days.\n"},
    {"Touch {touch} after {days_silent} days.\n", false, "Touch after days.\n"},
    {"I sent it on {sent_date}.\n", true, "I sent it on 2 November.\n"},
    {"I sent it on {sent_date}.\n", false, "I sent it on.\n"},
    {"About {subject} for {company}.\n", true,
	"About Proposal Q3 rollout for ACME.\n"},
    {"Thanks,\n{rep_name}\n", true, "Thanks,\nRita Rep\n"},
    {"Thanks,\n{rep_name}\n", false, "Thanks,\n"},
    {"Dear {frist_name}, {first_name}\n", true, "Dear {frist_name}, Jane\n"},
    {"{ first_name} {first_name\n", true, "{ first_name} {first_name\n"},
    {"at {company} and\n", false, "at and\n"},
    {"{first_name}{first_name}\n", true, "JaneJane\n"},
};

START_TEST(test_placeholders_render_and_missing_values_leave_no_gap)
{
	char *out;

	out = render_text(render_cases[_i].body,
	    render_cases[_i].full ? &full_values : &no_values);
	ck_assert_str_eq(out, render_cases[_i].want);
	free(out);
}
END_TEST

START_TEST(test_values_with_line_breaks_cannot_add_lines)
{
	struct crk_template_values v = full_values;
	char *out;

	v.subject = "Offer\r\nBcc: evil@example.net";
	v.first_name = "Ja\nne";
	out = render_text("Hi {first_name}: {subject}\n", &v);
	ck_assert_str_eq(out, "Hi Ja ne: Offer  Bcc: evil@example.net\n");
	free(out);
}
END_TEST

START_TEST(test_unknown_placeholders_are_reported_with_their_line)
{
	struct crk_template *tpl;
	char *error = NULL;

	crk_template_parse("Angle: x\n\nHi {first_name},\n{frist_name} "
			   "{touch}\n{Company}\n",
	    2, "mine.txt", &tpl);
	ck_assert_int_eq(crk_template_validate(tpl, &error), CRK_E_INVAL);
	ck_assert_ptr_nonnull(strstr(error, "{frist_name} on line 2"));
	ck_assert_ptr_nonnull(strstr(error, "{Company} on line 3"));
	ck_assert_ptr_nonnull(strstr(error, "mine.txt"));
	ck_assert_ptr_null(strstr(error, "{touch}"));
	free(error);
	crk_template_free(&tpl);
}
END_TEST

START_TEST(test_angle_line_is_parsed_and_kept_out_of_the_body)
{
	struct crk_template *tpl;

	crk_template_parse("Angle:   Ask about timing  \r\n\r\nHi {first_name},"
			   "\r\nbody\r\n\r\n\r\n",
	    4, "x", &tpl);
	ck_assert_str_eq(tpl->angle, "Ask about timing");
	ck_assert_str_eq(tpl->body, "Hi {first_name},\nbody\n");
	ck_assert_str_eq(tpl->source, "x");
	crk_template_free(&tpl);
	ck_assert_ptr_null(tpl);
}
END_TEST

START_TEST(test_template_without_angle_takes_the_built_in_angle)
{
	struct crk_template *tpl, *builtin;

	crk_template_parse("Hello\n", 5, NULL, &tpl);
	crk_template_parse(crk_template_builtin(5), 5, NULL, &builtin);
	ck_assert_str_eq(tpl->body, "Hello\n");
	ck_assert_str_eq(tpl->angle, builtin->angle);
	ck_assert_ptr_nonnull(strstr(tpl->angle, "priority"));
	ck_assert_str_eq(tpl->source, "built-in");
	crk_template_free(&tpl);
	crk_template_free(&builtin);
}
END_TEST

START_TEST(test_invalid_utf8_in_a_template_is_replaced)
{
	struct crk_template *tpl;

	crk_template_parse("Gr\xfc\xdf\x65\n", 1, NULL, &tpl);
	ck_assert_str_eq(tpl->body,
	    "Gr\xef\xbf\xbd\xef\xbf\xbd"
	    "e\n");
	crk_template_free(&tpl);
}
END_TEST

static const struct {
	unsigned touch;
	const char *file;
	const char *angle_word;
} touch_cases[] = {
    {1, "touch-1.txt", "arrive"},
    {2, "touch-2.txt", "new"},
    {3, "touch-3.txt", "case"},
    {4, "touch-4.txt", "timing"},
    {5, "touch-5.txt", "priority"},
    {6, "touch-6.txt", "yes or no"},
    {7, "monthly.txt", "check-in"},
    {12, "monthly.txt", "check-in"},
    {0, "monthly.txt", "check-in"},
};

START_TEST(test_each_touch_has_its_file_and_angle)
{
	struct crk_template *tpl;

	ck_assert_str_eq(crk_template_file_name(touch_cases[_i].touch),
	    touch_cases[_i].file);
	ck_assert_int_eq(
	    crk_template_load(NULL, NULL, touch_cases[_i].touch, &tpl, NULL),
	    CRK_OK);
	ck_assert_str_eq(tpl->source, "built-in");
	ck_assert_msg(strstr(tpl->angle, touch_cases[_i].angle_word) != NULL,
	    "angle \"%s\" lacks \"%s\"", tpl->angle,
	    touch_cases[_i].angle_word);
	crk_template_free(&tpl);
}
END_TEST

START_TEST(test_shipped_templates_match_built_ins_and_validate)
{
	struct crk_template *tpl;
	unsigned touch;
	char *dir, *path, *text, *rendered;
	struct crk_template_values v = full_values;

	dir = crk_xasprintf("%s/contrib/templates", crk_test_srcdir());
	for (touch = 1; touch <= CRK_TEMPLATE_TOUCHES + 1; touch++) {
		path =
		    crk_xasprintf("%s/%s", dir, crk_template_file_name(touch));
		text = crk_test_read_file(path, NULL);
		ck_assert_msg(text != NULL, "%s missing", path);
		ck_assert_str_eq(text, crk_template_builtin(touch));
		ck_assert_int_eq(
		    crk_template_load(NULL, dir, touch, &tpl, NULL), CRK_OK);
		ck_assert_str_eq(tpl->source, path);
		ck_assert_int_eq(crk_template_validate(tpl, NULL), CRK_OK);
		ck_assert_ptr_nonnull(strstr(tpl->body, "{rep_name}"));
		rendered = crk_template_render(tpl, &v);
		ck_assert_ptr_null(strchr(rendered, '{'));
		ck_assert_ptr_nonnull(strstr(rendered, "Hi Jane,\n"));
		free(rendered);
		crk_template_free(&tpl);
		free(text);
		free(path);
	}
	free(dir);
}
END_TEST

START_TEST(test_every_touch_has_a_different_angle_and_body)
{
	struct crk_template *a, *b;
	unsigned i, j;

	for (i = 1; i <= CRK_TEMPLATE_TOUCHES + 1; i++) {
		for (j = i + 1; j <= CRK_TEMPLATE_TOUCHES + 1; j++) {
			crk_template_parse(
			    crk_template_builtin(i), i, NULL, &a);
			crk_template_parse(
			    crk_template_builtin(j), j, NULL, &b);
			ck_assert_str_ne(a->angle, b->angle);
			ck_assert_str_ne(a->body, b->body);
			crk_template_free(&a);
			crk_template_free(&b);
		}
	}
}
END_TEST

START_TEST(test_rep_dir_overrides_shipped_dir_and_built_in_is_last)
{
	struct crk_template *tpl;
	char *tmp, *rep, *shipped, *path, *log;

	tmp = crk_test_tmpdir();
	rep = crk_xasprintf("%s/rep", tmp);
	shipped = crk_xasprintf("%s/shipped", tmp);
	ck_assert_int_eq(mkdir(rep, 0700), 0);
	ck_assert_int_eq(mkdir(shipped, 0700), 0);
	path = crk_xasprintf("%s/touch-2.txt", rep);
	crk_test_write_file(path, "Angle: mine\n\nRep text\n");
	free(path);
	path = crk_xasprintf("%s/touch-2.txt", shipped);
	crk_test_write_file(path, "Angle: shipped\n\nShipped text\n");
	free(path);
	path = crk_xasprintf("%s/touch-3.txt", shipped);
	crk_test_write_file(path, "Shipped three\n");
	free(path);
	path = crk_xasprintf("%s/monthly.txt", rep);
	crk_test_write_file(path, "Monthly mine\n");
	free(path);

	ck_assert_int_eq(
	    crk_template_load(rep, shipped, 2, &tpl, NULL), CRK_OK);
	ck_assert_str_eq(tpl->body, "Rep text\n");
	ck_assert_str_eq(tpl->angle, "mine");
	crk_template_free(&tpl);

	crk_template_load(rep, shipped, 3, &tpl, NULL);
	ck_assert_str_eq(tpl->body, "Shipped three\n");
	crk_template_free(&tpl);

	crk_template_load(rep, shipped, 9, &tpl, NULL);
	ck_assert_str_eq(tpl->body, "Monthly mine\n");
	crk_template_free(&tpl);

	crk_template_load(rep, shipped, 4, &tpl, NULL);
	ck_assert_str_eq(tpl->source, "built-in");
	ck_assert_ptr_nonnull(strstr(tpl->body, "{first_name}"));
	crk_template_free(&tpl);

	/* a rep file that cannot be read is skipped with a warning */
	path = crk_xasprintf("%s/touch-3.txt", rep);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	crk_test_log_capture_start();
	crk_template_load(rep, shipped, 3, &tpl, NULL);
	log = crk_test_log_capture_end();
	ck_assert_str_eq(tpl->body, "Shipped three\n");
	ck_assert_ptr_nonnull(strstr(log, "touch-3.txt"));
	free(log);
	crk_template_free(&tpl);

	/* dirs that do not exist fall through to the built-in text */
	crk_template_load("/nonexistent/crickets", "", 1, &tpl, NULL);
	ck_assert_str_eq(tpl->source, "built-in");
	crk_template_free(&tpl);

	crk_test_rmtree(tmp);
	free(rep);
	free(shipped);
	free(tmp);
}
END_TEST

START_TEST(test_an_oversized_template_file_is_skipped)
{
	struct crk_template *tpl;
	char *tmp, *path, *big;

	tmp = crk_test_tmpdir();
	big = crk_xmalloc(70000);
	memset(big, 'a', 69999);
	big[69999] = '\0';
	path = crk_xasprintf("%s/touch-1.txt", tmp);
	crk_test_write_file(path, big);
	crk_template_load(tmp, NULL, 1, &tpl, NULL);
	ck_assert_str_eq(tpl->source, "built-in");
	crk_template_free(&tpl);
	crk_test_rmtree(tmp);
	free(path);
	free(big);
	free(tmp);
}
END_TEST

static const struct {
	const char *name;
	const char *addr;
	const char *want;
} first_name_cases[] = {
    {"Jane Doe", "jane.doe@acme.com", "Jane"},
    {"Doe, Jane", "jd@acme.com", "Jane"},
    {"\"Doe, Jane\"", "jd@acme.com", "Jane"},
    {"Dr. Jane Doe (ACME)", "jd@acme.com", "Jane"},
    {"Herr Prof. Hans M\xc3\xbcller", "hm@acme.de", "Hans"},
    {"JANE DOE", "jd@acme.com", "Jane"},
    {"McKenzie Smith", "ms@acme.com", "McKenzie"},
    {NULL, "jane.doe@acme.com", "Jane"},
    {"", "jane_doe@acme.com", "Jane"},
    {"jane.doe@acme.com", "jane.doe@acme.com", "Jane"},
    {NULL, "j.doe@acme.com", NULL},
    {NULL, "jdoe@acme.com", NULL},
    {NULL, "info@acme.com", NULL},
    {NULL, "sales.team@acme.com", NULL},
    {NULL, "contact-us@acme.com", NULL},
    {"Sales", "sales@acme.com", NULL},
    {"Info (ACME)", "info@acme.com", NULL},
    {"Bob", "ceo@acme.com", "Bob"},
    {NULL, NULL, NULL},
};

START_TEST(test_first_names_come_from_display_names_or_addresses)
{
	char *got;

	got = crk_template_first_name(
	    first_name_cases[_i].name, first_name_cases[_i].addr);
	if (first_name_cases[_i].want == NULL)
		ck_assert_msg(got == NULL, "\"%s\" <%s>: got \"%s\"",
		    first_name_cases[_i].name, first_name_cases[_i].addr, got);
	else
		ck_assert_str_eq(
		    got != NULL ? got : "(null)", first_name_cases[_i].want);
	free(got);
}
END_TEST

static const struct {
	const char *name;
	const char *addr;
	const char *want;
} company_cases[] = {
    {"Jane Doe (ACME Corp)", "jane@gmail.com", "ACME Corp"},
    {"Jane Doe", "jane@acme.com", "Acme"},
    {NULL, "jane@sales.acme.com", "Acme"},
    {NULL, "jane@acme.co.uk", "Acme"},
    {NULL, "jane@ACME.DE", "Acme"},
    {NULL, "jane@gmail.com", NULL},
    {NULL, "jane@googlemail.com", NULL},
    {NULL, "jane@outlook.com", NULL},
    {NULL, "jane@hotmail.co.uk", NULL},
    {NULL, "jane@yahoo.com", NULL},
    {NULL, "jane@gmx.de", NULL},
    {NULL, "jane@web.de", NULL},
    {NULL, "jane@icloud.com", NULL},
    {"Jane ()", "jane@localhost", NULL},
    {NULL, NULL, NULL},
};

START_TEST(test_company_comes_from_the_name_or_a_non_public_domain)
{
	char *got;

	got = crk_template_company(
	    company_cases[_i].name, company_cases[_i].addr);
	if (company_cases[_i].want == NULL)
		ck_assert_msg(got == NULL, "<%s>: got \"%s\"",
		    company_cases[_i].addr, got);
	else
		ck_assert_str_eq(
		    got != NULL ? got : "(null)", company_cases[_i].want);
	free(got);
}
END_TEST

static const struct {
	const char *names[3][2]; /* display name, address */
	const char *first_name;
	const char *company;
} prospect_cases[] = {
    {{{"Jane Doe", "jane@acme.com"}}, "Jane", "Acme"},
    {{{"Jane Doe", "jane@acme.com"}, {"Bob Roe", "bob@acme.com"}},
	"Jane and Bob", "Acme"},
    {{{NULL, "info@acme.com"}, {"Bob Roe", "bob@acme.com"}}, NULL, "Acme"},
    {{{"Jane Doe", "jane@gmail.com"}, {"Bob Roe (Roe Ltd)", "b@gmx.de"}},
	"Jane and Bob", "Roe Ltd"},
    {{{"Jane Doe", "jane@acme.com"}, {"Bob Roe", "bob@acme.com"},
	 {"Al Poe", "al@acme.com"}},
	NULL, "Acme"},
    {{{NULL, NULL}}, NULL, NULL},
};

START_TEST(test_prospects_give_the_greeting_name_and_company)
{
	struct crk_addr_list list = {NULL, 0, 0};
	char *first = (char *)"x", *company = (char *)"x";
	size_t i;

	for (i = 0; i < 3 && prospect_cases[_i].names[i][1] != NULL; i++)
		crk_addr_list_add(&list, prospect_cases[_i].names[i][1],
		    prospect_cases[_i].names[i][0]);
	crk_template_prospect_values(&list, &first, &company);
	if (prospect_cases[_i].first_name == NULL)
		ck_assert_ptr_null(first);
	else
		ck_assert_str_eq(first != NULL ? first : "(null)",
		    prospect_cases[_i].first_name);
	if (prospect_cases[_i].company == NULL)
		ck_assert_ptr_null(company);
	else
		ck_assert_str_eq(company != NULL ? company : "(null)",
		    prospect_cases[_i].company);
	free(first);
	free(company);
	crk_addr_list_clear(&list);
}
END_TEST

START_TEST(test_sent_date_is_day_and_english_month)
{
	char buf[24];

	ck_assert_str_eq(
	    crk_template_format_day(crk_day_from_ymd(2026, 11, 2), buf),
	    "2 November");
	ck_assert_str_eq(
	    crk_template_format_day(crk_day_from_ymd(2027, 1, 31), buf),
	    "31 January");
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");

	CRK_TABLE_TEST(tc,
	    test_placeholders_render_and_missing_values_leave_no_gap,
	    render_cases);
	tcase_add_test(tc, test_values_with_line_breaks_cannot_add_lines);
	tcase_add_test(
	    tc, test_unknown_placeholders_are_reported_with_their_line);
	tcase_add_test(tc, test_angle_line_is_parsed_and_kept_out_of_the_body);
	tcase_add_test(
	    tc, test_template_without_angle_takes_the_built_in_angle);
	tcase_add_test(tc, test_invalid_utf8_in_a_template_is_replaced);
	CRK_TABLE_TEST(tc, test_each_touch_has_its_file_and_angle, touch_cases);
	tcase_add_test(tc, test_shipped_templates_match_built_ins_and_validate);
	tcase_add_test(tc, test_every_touch_has_a_different_angle_and_body);
	tcase_add_test(
	    tc, test_rep_dir_overrides_shipped_dir_and_built_in_is_last);
	tcase_add_test(tc, test_an_oversized_template_file_is_skipped);
	CRK_TABLE_TEST(tc,
	    test_first_names_come_from_display_names_or_addresses,
	    first_name_cases);
	CRK_TABLE_TEST(tc,
	    test_company_comes_from_the_name_or_a_non_public_domain,
	    company_cases);
	CRK_TABLE_TEST(tc, test_prospects_give_the_greeting_name_and_company,
	    prospect_cases);
	tcase_add_test(tc, test_sent_date_is_day_and_english_month);
	suite_add_tcase(s, tc);
	return s;
}
