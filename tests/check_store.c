/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the sqlite store: schema and migrations, reopen, locking,
 * transactions, sync state, revisions. */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store.h"
#include "tests/check_common.h"

static char *tmpdir;
static char *dbpath;

static void
setup(void)
{
	tmpdir = crk_test_tmpdir();
	dbpath = crk_xasprintf("%s/crickets.db", tmpdir);
}

static void
teardown(void)
{
	crk_test_rmtree(tmpdir);
	free(tmpdir);
	free(dbpath);
}

static struct crk_store *
open_ok(void)
{
	struct crk_store *store = NULL;
	char *error = NULL;

	ck_assert_msg(
	    crk_store_open(dbpath, &store, &error) == CRK_OK, "%s", error);
	return store;
}

/* Runs one statement on a separate connection, as another process would. */
static void
raw_exec(const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(test_new_store_has_current_schema_in_wal_mode)
{
	struct crk_store *store = open_ok();
	sqlite3 *db;
	sqlite3_stmt *stmt;

	ck_assert_int_eq(
	    crk_store_schema_version(store), CRK_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	crk_store_free(&store);
	ck_assert_ptr_null(store);
	crk_store_free(&store); /* NULL-safe */
}
END_TEST

START_TEST(test_reopen_keeps_data_and_does_not_migrate_again)
{
	struct crk_store *store = open_ok();
	struct crk_folder_state st = {42, 1000, 77}, got;

	ck_assert_int_eq(
	    crk_store_folder_set(store, "work", "INBOX", &st, NULL), CRK_OK);
	crk_store_free(&store);
	store = open_ok();
	ck_assert_int_eq(
	    crk_store_folder_get(store, "work", "INBOX", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.uidvalidity, 42);
	ck_assert_uint_eq(got.last_uid, 1000);
	ck_assert_uint_eq(got.highestmodseq, 77);
	ck_assert_int_eq(
	    crk_store_schema_version(store), CRK_STORE_SCHEMA_VERSION);
	crk_store_free(&store);
}
END_TEST

START_TEST(test_store_from_a_newer_crickets_is_refused_untouched)
{
	struct crk_store *store = open_ok();
	char *error = NULL;

	crk_store_free(&store);
	raw_exec("PRAGMA user_version = 99");
	ck_assert_int_eq(crk_store_open(dbpath, &store, &error), CRK_E_DB);
	ck_assert_ptr_null(store);
	ck_assert_ptr_nonnull(strstr(error, "newer"));
	free(error);
	error = NULL;
	/* still version 99: nothing was rewritten */
	{
		char *sql = crk_xasprintf(
		    "PRAGMA user_version = %d", CRK_STORE_SCHEMA_VERSION);

		raw_exec(sql);
		free(sql);
	}
	store = open_ok();
	crk_store_free(&store);
}
END_TEST

START_TEST(test_a_file_that_is_not_a_database_is_refused)
{
	struct crk_store *store = NULL;
	char *error = NULL;

	crk_test_write_file(dbpath,
	    "this is my shopping list, not sqlite\n"
	    "milk, eggs, bread, and a lot more text to fill a page ......\n");
	ck_assert_int_eq(crk_store_open(dbpath, &store, &error), CRK_E_DB);
	ck_assert_ptr_null(store);
	ck_assert_ptr_nonnull(strstr(error, dbpath));
	free(error);
}
END_TEST

START_TEST(test_missing_directory_gives_a_clear_error)
{
	struct crk_store *store = NULL;
	char *error = NULL, *path;

	path = crk_xasprintf("%s/no/such/dir/crickets.db", tmpdir);
	ck_assert_int_eq(crk_store_open(path, &store, &error), CRK_E_DB);
	ck_assert_ptr_nonnull(strstr(error, path));
	free(error);
	free(path);
}
END_TEST

START_TEST(test_folder_state_is_zero_until_set_and_reset_forgets_it)
{
	struct crk_store *store = open_ok();
	struct crk_folder_state st = {7, 9, 0}, got;

	ck_assert_int_eq(
	    crk_store_folder_get(store, "work", "Sent", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.uidvalidity, 0);
	ck_assert_uint_eq(got.last_uid, 0);
	ck_assert_int_eq(
	    crk_store_folder_set(store, "work", "Sent", &st, NULL), CRK_OK);
	/* another account's folder of the same name is separate */
	ck_assert_int_eq(
	    crk_store_folder_get(store, "home", "Sent", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.last_uid, 0);
	ck_assert_int_eq(
	    crk_store_folder_reset(store, "work", "Sent", NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_folder_get(store, "work", "Sent", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.uidvalidity, 0);
	crk_store_free(&store);
}
END_TEST

START_TEST(test_item_revision_moves_only_when_content_changes)
{
	struct crk_store *store = open_ok();
	unsigned seq;
	time_t changed;

	ck_assert_int_eq(crk_store_item_revision(
			     store, "u1", "h1", 1000, &seq, &changed, NULL),
	    CRK_OK);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(changed, 1000);
	ck_assert_int_eq(crk_store_item_revision(
			     store, "u1", "h1", 2000, &seq, &changed, NULL),
	    CRK_OK);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(changed, 1000);
	ck_assert_int_eq(crk_store_item_revision(
			     store, "u1", "h2", 3000, &seq, &changed, NULL),
	    CRK_OK);
	ck_assert_uint_eq(seq, 1);
	ck_assert_int_eq(changed, 3000);
	ck_assert_int_eq(crk_store_item_revision(
			     store, "u2", "h2", 3000, &seq, &changed, NULL),
	    CRK_OK);
	ck_assert_uint_eq(seq, 0);
	crk_store_free(&store);
}
END_TEST

START_TEST(test_inner_rollback_dooms_the_whole_batch)
{
	struct crk_store *store = open_ok();
	struct crk_folder_state st = {1, 5, 0}, got;
	char *error = NULL;

	ck_assert_int_eq(crk_store_begin(store, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_folder_set(store, "work", "INBOX", &st, NULL), CRK_OK);
	ck_assert_int_eq(crk_store_begin(store, NULL), CRK_OK);
	crk_store_rollback(store);
	ck_assert_int_eq(crk_store_commit(store, &error), CRK_E_DB);
	free(error);
	ck_assert_int_eq(
	    crk_store_folder_get(store, "work", "INBOX", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.last_uid, 0);
	/* and the store is usable afterwards */
	ck_assert_int_eq(crk_store_begin(store, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_folder_set(store, "work", "INBOX", &st, NULL), CRK_OK);
	ck_assert_int_eq(crk_store_commit(store, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_folder_get(store, "work", "INBOX", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.last_uid, 5);
	crk_store_free(&store);
}
END_TEST

START_TEST(test_store_locked_by_another_process_reports_busy)
{
	struct crk_store *store = open_ok();
	sqlite3 *other;
	char *error = NULL;

	/* the Claws plugin (another connection) holds the write lock */
	ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	crk_store_set_busy_timeout(store, 100);
	ck_assert_int_eq(crk_store_begin(store, &error), CRK_E_BUSY);
	ck_assert_ptr_nonnull(strstr(error, "locked"));
	free(error);
	error = NULL;
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	/* once released, work goes on */
	ck_assert_int_eq(crk_store_begin(store, &error), CRK_OK);
	ck_assert_int_eq(crk_store_commit(store, &error), CRK_OK);
	crk_store_free(&store);
}
END_TEST

START_TEST(test_readers_see_committed_state_while_a_writer_works)
{
	struct crk_store *a = open_ok(), *b = open_ok();
	struct crk_folder_state st = {1, 5, 0}, got;

	ck_assert_int_eq(crk_store_begin(a, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_folder_set(a, "work", "INBOX", &st, NULL), CRK_OK);
	/* WAL: b reads the old state without waiting for a's lock */
	ck_assert_int_eq(
	    crk_store_folder_get(b, "work", "INBOX", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.last_uid, 0);
	ck_assert_int_eq(crk_store_commit(a, NULL), CRK_OK);
	ck_assert_int_eq(
	    crk_store_folder_get(b, "work", "INBOX", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.last_uid, 5);
	crk_store_free(&a);
	crk_store_free(&b);
}
END_TEST

START_TEST(test_version_1_store_migrates_and_keeps_its_data)
{
	struct crk_store *store = open_ok();
	struct crk_folder_state st = {3, 30, 0}, got;

	ck_assert_int_eq(
	    crk_store_folder_set(store, "work", "INBOX", &st, NULL), CRK_OK);
	crk_store_free(&store);
	/* what a store written by schema version 1 looks like */
	raw_exec("DROP TABLE drafts; DROP TABLE keyword_queue; "
		 "DROP INDEX messages_dsn; DROP INDEX messages_subject; "
		 "DROP INDEX proposals_wake; DROP INDEX proposals_replayed; "
		 "ALTER TABLE proposals DROP COLUMN replayed_at; "
		 "ALTER TABLE proposals DROP COLUMN wake_at; "
		 "DROP TABLE feed_parts; DROP TABLE feed_meta; "
		 "DROP INDEX proposals_feed_dirty; "
		 "DROP INDEX proposals_feed_until; "
		 "ALTER TABLE proposals DROP COLUMN feed_dirty; "
		 "ALTER TABLE proposals DROP COLUMN feed_until; "
		 "DROP TABLE engine_meta; "
		 "PRAGMA user_version = 1;");
	store = open_ok();
	ck_assert_int_eq(
	    crk_store_schema_version(store), CRK_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(
	    crk_store_folder_get(store, "work", "INBOX", &got, NULL), CRK_OK);
	ck_assert_uint_eq(got.last_uid, 30);
	crk_store_free(&store);
	raw_exec("SELECT count(*) FROM drafts");
	raw_exec("SELECT count(*) FROM keyword_queue");
	raw_exec("SELECT count(*) FROM engine_meta");
}
END_TEST

static const char *const state_names[] = {
    "waiting",
    "replied",
    "bounced",
    "snoozed",
    "won",
    "lost",
    "dropped",
};

START_TEST(test_state_names_round_trip)
{
	enum crk_state st;

	ck_assert(crk_state_parse(state_names[_i], &st));
	ck_assert_int_eq((int)st, _i);
	ck_assert_str_eq(crk_state_name(st), state_names[_i]);
	ck_assert(crk_state_is_closed(st) == (_i >= CRK_STATE_WON));
}
END_TEST

START_TEST(test_unknown_state_name_is_refused)
{
	enum crk_state st;

	ck_assert(!crk_state_parse("maybe", &st));
	ck_assert(!crk_state_parse("", &st));
}
END_TEST

Suite *
crk_test_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_new_store_has_current_schema_in_wal_mode);
	tcase_add_test(tc, test_reopen_keeps_data_and_does_not_migrate_again);
	tcase_add_test(
	    tc, test_store_from_a_newer_crickets_is_refused_untouched);
	tcase_add_test(tc, test_a_file_that_is_not_a_database_is_refused);
	tcase_add_test(tc, test_missing_directory_gives_a_clear_error);
	tcase_add_test(
	    tc, test_folder_state_is_zero_until_set_and_reset_forgets_it);
	tcase_add_test(tc, test_item_revision_moves_only_when_content_changes);
	tcase_add_test(tc, test_inner_rollback_dooms_the_whole_batch);
	tcase_add_test(tc, test_store_locked_by_another_process_reports_busy);
	tcase_add_test(
	    tc, test_readers_see_committed_state_while_a_writer_works);
	tcase_add_test(tc, test_version_1_store_migrates_and_keeps_its_data);
	CRK_TABLE_TEST(tc, test_state_names_round_trip, state_names);
	tcase_add_test(tc, test_unknown_state_name_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
