import { EntityManager } from 'typeorm';

/**
 * Rows of an UPDATE/DELETE ... RETURNING (TypeORM's postgres driver answers those with
 * `[rows, affected]` but plain rows for other statements).
 */
export async function returning<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const result = await manager.query(sql, params);
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}
