/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes sample and hostile feeds and a manifest for the parsers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ical/feed.h"
#include "tests/interop/feed_sample.h"

#define FEEDGEN_HOSTILE 12

/* UID and date (DTSTART of events, DUE of tasks) of every item of the
 * sample; the hostile variants keep them (only text from mail changes). */
static const struct {
	bool task;
	const char *uid;
	const char *date;
} expect[] = {
    {false, "crickets-k3x9qa-r1-n3@example.com-event", "2026-11-22"},
    {false, "crickets-b7mm2p-r1-n1@example.com-event", "2026-11-24"},
    {false, "crickets-sn00ze-r1-n7@example.com-event", "2026-12-01"},
    {false, "crickets-r2d2xx-r1-decide-event", "2026-11-22"},
    {false, "crickets-zz9plu-r1-bounced-event", "2026-11-22"},
    {true, "crickets-k3x9qa-r1-n3@example.com-task", "2026-11-09"},
    {true, "crickets-k3x9qa-r1-n2@example.com-task", "2026-11-05"},
    {true, "crickets-b7mm2p-r1-n1@example.com-task", "2026-11-24"},
    {true, "crickets-sn00ze-r1-n7@example.com-task", "2026-12-01"},
    {true, "crickets-r2d2xx-r1-decide-task", "2026-11-20"},
    {true, "crickets-zz9plu-r1-bounced-task", "2026-11-19"},
    {true, "crickets-won111-r1-n2@example.com-task", "2026-11-15"},
};

static int
write_text(const char *dir, const char *name, const char *text)
{
	char *error = NULL;

	if (crk_feed_write_file(dir, name, text, strlen(text), 0644, &error) !=
	    CRK_OK) {
		fprintf(stderr, "feedgen: %s\n", error);
		free(error);
		return -1;
	}
	return 0;
}

static void
manifest_entry(FILE *fp, bool first, const char *file, bool task, size_t count,
    size_t completed)
{
	size_t i;
	bool any = false;

	fprintf(fp,
	    "%s\n {\"file\": \"%s\", \"component\": \"%s\", "
	    "\"count\": %zu, \"completed\": %zu, \"dates\": {",
	    first ? "" : ",", file, task ? "VTODO" : "VEVENT", count,
	    completed);
	for (i = 0; i < CRK_N_ELEMENTS(expect); i++) {
		if (expect[i].task != task)
			continue;
		fprintf(fp, "%s\n  \"%s\": \"%s\"", any ? "," : "",
		    expect[i].uid, expect[i].date);
		any = true;
	}
	fprintf(fp, "}}");
}

int
main(int argc, char **argv)
{
	struct crk_feed_sample s;
	struct crk_feed_input in;
	char *ev = NULL, *ts = NULL, *error = NULL, *name, *path;
	FILE *fp;
	int i, rc = EXIT_FAILURE;

	if (argc != 2 && (argc != 3 || strcmp(argv[2], "--mailbox") != 0)) {
		fprintf(stderr, "usage: feedgen DIR [--mailbox]\n");
		return 64;
	}
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	path = crk_xasprintf("%s/manifest.json", argv[1]);
	fp = fopen(path, "w");
	free(path);
	if (fp == NULL) {
		perror(argv[1]);
		return EXIT_FAILURE;
	}
	fputs("[", fp);
	for (i = -1; i < FEEDGEN_HOSTILE; i++) {
		crk_feed_sample_fill(&s);
		if (i >= 0)
			crk_feed_sample_make_hostile(&s, 7000u + (unsigned)i);
		crk_feed_sample_input(&s, &in);
		if (crk_feed_render(&in, &ev, &ts, &error) != CRK_OK) {
			fprintf(stderr, "feedgen: %s\n", error);
			goto out;
		}
		name = i < 0 ? crk_xstrdup("sample")
			     : crk_xasprintf("hostile%02d", i);
		path = crk_xasprintf("%s-events.ics", name);
		if (write_text(argv[1], path, ev) != 0)
			goto out;
		manifest_entry(fp, i < 0, path, false, s.expect_events, 0);
		free(path);
		path = crk_xasprintf("%s-tasks.ics", name);
		if (write_text(argv[1], path, ts) != 0)
			goto out;
		manifest_entry(
		    fp, false, path, true, s.expect_tasks, s.expect_completed);
		free(path);
		free(name);
		crk_free_str(&ev);
		crk_free_str(&ts);
		crk_feed_sample_clear(&s);
	}
	/* feeds `crickets feed` wrote from a real mailbox into
	 * DIR/mailbox: what the engine makes of it is its business, so
	 * only the shape is known (valid, one kind, all-day dates) */
	if (argc == 3)
		fputs(",\n {\"file\": \"mailbox/followups.ics\", "
		      "\"component\": \"VEVENT\", \"count\": null, "
		      "\"min_count\": 1, \"completed\": null, "
		      "\"dates\": null},\n"
		      " {\"file\": \"mailbox/followups-tasks.ics\", "
		      "\"component\": \"VTODO\", \"count\": null, "
		      "\"min_count\": 1, \"completed\": null, "
		      "\"dates\": null}",
		    fp);
	fputs("\n]\n", fp);
	rc = EXIT_SUCCESS;
out:
	if (fclose(fp) != 0)
		rc = EXIT_FAILURE;
	free(ev);
	free(ts);
	return rc;
}
