/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the engine and stats (core only) share of the store's insides: the db
 * handle and cached statements. */
#ifndef CRK_STORE_PRIVATE_H
#define CRK_STORE_PRIVATE_H

#include <sqlite3.h>

#include "core/store.h"

/* Message roles in a proposal's thread (thread.role). */
#define CRK_ROLE_PROPOSAL "proposal"
#define CRK_ROLE_TOUCH "touch"
#define CRK_ROLE_REPLY "reply"
#define CRK_ROLE_AUTOREPLY "autoreply"
#define CRK_ROLE_BOUNCE "bounce"
#define CRK_ROLE_DSN_INFO "dsn-info"   /* delayed/relayed: no change */
#define CRK_ROLE_COLLEAGUE "colleague" /* internal sender: no change */

sqlite3 *crk_store_db(struct crk_store *store);

/* A prepared statement for sql, cached by the address of the string (pass
 * string literals only).  The statement comes back reset with its
 * bindings cleared.  Aborts on a prepare error: our SQL is a constant, so
 * a failure there is a programmer error. */
sqlite3_stmt *crk_store_stmt(struct crk_store *store, const char *sql);

/* Sets *error_r from the db's last error and returns CRK_E_BUSY for a
 * lock timeout, CRK_E_DB otherwise. */
enum crk_status
crk_store_error(struct crk_store *store, char **error_r, const char *what);

/* Binds a string or NULL. */
void crk_store_bind_text(sqlite3_stmt *stmt, int idx, const char *s);
/* Column as an owned string, NULL for NULL. */
char *crk_store_column_dup(sqlite3_stmt *stmt, int col);

#endif
