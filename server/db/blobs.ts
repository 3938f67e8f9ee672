// Writing rows that hold large binary values, without the copies knex's MySQL query text would make.
import type { Knex } from 'knex';
import { engineOf } from './knex.js';

/**
 * Inserts one row holding a blob. knex sends MySQL bindings inside the SQL text, a Buffer as X'…' hex: twice its
 * size as a string and again in the packet. A prepared statement (mysql2 `execute`) sends the bytes as they are,
 * on the transaction's own connection. SQLite binds the Buffer directly through knex.
 */
export async function insertBlobRow(
  trx: Knex.Transaction,
  table: string,
  row: Record<string, unknown>,
): Promise<void> {
  if (engineOf(trx) !== 'mysql') {
    await trx(table).insert(row);
    return;
  }
  const columns = Object.keys(row);
  const sql = `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  const connection = (await trx.client.acquireConnection()) as MysqlConnection;
  try {
    await new Promise<void>((resolve, reject) =>
      connection.execute(sql, Object.values(row), (err) => (err ? reject(err) : resolve())),
    );
  } finally {
    await trx.client.releaseConnection(connection);
  }
}

interface MysqlConnection {
  execute(sql: string, values: unknown[], callback: (err: Error | null) => void): void;
}
