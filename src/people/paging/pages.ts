import type { Queryable } from '../../db/executor.js';
import { isoTime } from '../../db/sql.js';
import type { PageEventKind, PageLevel } from './event.js';

/** A page waiting for `midair ack`, or acknowledged. */
export interface PageRecord {
  id: number;
  migration: string;
  event: PageEventKind;
  level: PageLevel;
  stage: string | null;
  message: string;
  dedupKey: string;
  /** The owners to page, in order: primary, secondary, tertiary. */
  chain: string[];
  /** Index in `chain` of the person paged last. */
  tier: number;
  openedAt: string;
  pagedAt: string;
  ackedAt: string | null;
  ackedBy: string | null;
}

const COLUMNS = `id::int AS id, migration, event, level, stage, message, dedup_key AS "dedupKey", chain, tier,
  ${isoTime('opened_at')} AS "openedAt", ${isoTime('paged_at')} AS "pagedAt", ${isoTime('acked_at')} AS "ackedAt", acked_by AS "ackedBy"`;

export async function openPage(
  db: Queryable,
  page: { migration: string; event: PageEventKind; level: PageLevel; stage: string | null; message: string; dedupKey: string; chain: string[]; at: Date },
): Promise<PageRecord> {
  const rows = await db.query<PageRecord>(
    `INSERT INTO midair.pages (migration, event, level, stage, message, dedup_key, chain, opened_at, paged_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${COLUMNS}`,
    [page.migration, page.event, page.level, page.stage, page.message, page.dedupKey, page.chain, page.at.toISOString()],
  );
  return rows[0]!;
}

/** Pages not acknowledged, of one migration or of all, oldest first. */
export async function openPages(db: Queryable, migration?: string): Promise<PageRecord[]> {
  const rows = await db.query<PageRecord>(
    `SELECT ${COLUMNS} FROM midair.pages WHERE acked_at IS NULL AND ($1::text IS NULL OR migration = $1) ORDER BY id`,
    [migration ?? null],
  );
  return rows;
}

/** Unacknowledged pages (of one migration, or of all) whose last page is older than `since` and that have someone left to page. */
export async function pagesDue(db: Queryable, since: Date, migration?: string): Promise<PageRecord[]> {
  const rows = await db.query<PageRecord>(
    `SELECT ${COLUMNS} FROM midair.pages WHERE acked_at IS NULL AND paged_at <= $1 AND tier < cardinality(chain) - 1 AND ($2::text IS NULL OR migration = $2) ORDER BY id`,
    [since.toISOString(), migration ?? null],
  );
  return rows;
}

/**
 * Moves a page to its next owner, unless someone acknowledged it or another pager moved it first
 * (then null): every pager process may run at once, and each owner is paged once.
 */
export async function claimEscalation(db: Queryable, page: PageRecord, at: Date): Promise<PageRecord | null> {
  const rows = await db.query<PageRecord>(
    `UPDATE midair.pages SET tier = tier + 1, paged_at = $3 WHERE id = $1 AND tier = $2 AND acked_at IS NULL RETURNING ${COLUMNS}`,
    [page.id, page.tier, at.toISOString()],
  );
  return rows[0] ?? null;
}

/** Acknowledges every open page of a migration; answers the pages it acknowledged. */
export async function acknowledgePages(db: Queryable, migration: string, by: string, at: Date): Promise<PageRecord[]> {
  const rows = await db.query<PageRecord>(
    `UPDATE midair.pages SET acked_at = $3, acked_by = $2 WHERE migration = $1 AND acked_at IS NULL RETURNING ${COLUMNS}`,
    [migration, by, at.toISOString()],
  );
  return rows.sort((a, b) => a.id - b.id);
}
