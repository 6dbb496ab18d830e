import type { SqlConnection } from './client';

/**
 * Runs `work` under a savepoint of the open transaction: released when it resolves; rolled back
 * to when it throws an error that `rollBackOn` accepts (the transaction goes on without its
 * writes), left alone otherwise (the whole transaction is lost anyway, as after a broken
 * connection). `name` is the code's own identifier, never input.
 */
export async function inSavepoint<T>(
  connection: SqlConnection,
  name: string,
  work: () => Promise<T>,
  rollBackOn: (error: unknown) => boolean,
): Promise<T> {
  await connection.query(`savepoint ${name}`);
  try {
    const result = await work();
    await connection.query(`release savepoint ${name}`);
    return result;
  } catch (error) {
    if (rollBackOn(error)) await connection.query(`rollback to savepoint ${name}`);
    throw error;
  }
}
