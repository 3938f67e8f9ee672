// The one place where row locking differs between engines: claiming rows that others may claim at once.
import type { Knex } from 'knex';
import { engineOf } from './knex.js';

/**
 * Adds `FOR UPDATE SKIP LOCKED` on MySQL/MariaDB, so concurrent claimers each get different rows.
 * On SQLite the caller's transaction is already the only writer (one connection, one write lock),
 * so the query is left as it is.
 */
export function lockSkippingLocked<T extends Knex.QueryBuilder>(trx: Knex.Transaction, query: T): T {
  if (engineOf(trx) === 'mysql') return query.forUpdate().skipLocked() as T;
  return query;
}

/** Adds `FOR UPDATE` on MySQL/MariaDB (wait for the lock); SQLite's single writer already serialises. */
export function lockForUpdate<T extends Knex.QueryBuilder>(trx: Knex.Transaction, query: T): T {
  if (engineOf(trx) === 'mysql') return query.forUpdate() as T;
  return query;
}
