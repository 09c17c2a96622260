import pg from 'pg';
import { describeUrl } from '../db/postgres.js';
import { ident } from '../db/sql.js';
import { MidairError, explainDatabaseError } from '../errors.js';
import { copySchemaAndSample } from './sampleCopy.js';

/** The copy a rehearsal runs in, on the same server as the original. */
export interface DatabaseCopy {
  name: string;
  url: string;
  /** "template": CREATE DATABASE ... TEMPLATE, a full copy; "sample": the schema and a sample of rows. */
  method: 'template' | 'sample';
  /** Why the template route was not taken; null when it was. */
  reason: string | null;
  notes: string[];
  /** Drops the copy, or keeps it; either way closes the server connection. */
  finish(keep: boolean): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** A connection to the server that is not to the original database (a template must have no sessions). */
async function maintenanceConnection(url: string, original: string): Promise<pg.Client> {
  let first: unknown = null;
  for (const database of ['postgres', 'template1'].filter((d) => d !== original)) {
    const client = new pg.Client({ connectionString: withDatabase(url, database), application_name: 'midair rehearse (copy)' });
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      first ??= error;
      await client.end().catch(() => {});
    }
  }
  throw explainDatabaseError(first, 'connecting to the server');
}

const code = (error: unknown) => (error as { code?: string }).code;

/**
 * Copies the database at `url` on its own server. The template route copies everything and needs
 * the original to have no other sessions; when it has (or this role may create databases but not
 * copy this one), the schema `schema` and up to `sampleRows` rows per table are copied instead.
 * The original is only ever read.
 */
export async function copyDatabase(url: string, options: { schema: string; sampleRows: number }): Promise<DatabaseCopy> {
  const original = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!original) throw new MidairError(`the URL ${describeUrl(url)} names no database`, 'give the database to rehearse on, e.g. postgres://user@host/app');
  const admin = await maintenanceConnection(url, original);
  const name = `${original.slice(0, 40)}_rehearsal_${Math.random().toString(36).slice(2, 8)}`;
  const copyUrl = withDatabase(url, name);
  let created = false;
  const finish = async (keep: boolean) => {
    try {
      if (created && !keep) await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    } finally {
      await admin.end().catch(() => {});
    }
  };
  const refused = (error: unknown) =>
    new MidairError(
      `rehearse needs to create a database on ${describeUrl(url)} for the copy, and this role may not (${(error as Error).message})`,
      'run it as a role with CREATEDB (ALTER ROLE ... CREATEDB), e.g. on a staging server',
    );
  try {
    const busy = `other sessions are connected to "${original}", and a template copy needs it to itself`;
    // Asking first spares the five seconds CREATE DATABASE waits for those sessions before it fails.
    const { rows: [sessions] } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [original]);
    let reason = busy;
    if (sessions!.n === 0) {
      try {
        await admin.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(original)}`);
        created = true;
        return { name, url: copyUrl, method: 'template', reason: null, notes: [], finish };
      } catch (error) {
        if (code(error) === '42501' && /copy database/.test((error as Error).message)) reason = `this role may not copy "${original}" as a template (${(error as Error).message})`;
        else if (code(error) === '42501') throw refused(error);
        else if (code(error) !== '55006') throw explainDatabaseError(error, `copying "${original}"`);
      }
    }
    try {
      await admin.query(`CREATE DATABASE ${ident(name)}`);
    } catch (error) {
      throw code(error) === '42501' ? refused(error) : explainDatabaseError(error, 'creating the copy');
    }
    created = true;
    const source = new pg.Client({ connectionString: url, application_name: 'midair rehearse (read-only sample)' });
    const target = new pg.Client({ connectionString: copyUrl, application_name: 'midair rehearse (copy)' });
    try {
      await source.connect();
      // Belt and braces: this session cannot write to the original even by mistake.
      await source.query('SET default_transaction_read_only = on');
      await target.connect();
      const wrap = (c: pg.Client) => ({
        query: async <R>(sql: string, params?: unknown[]) => (await c.query(sql, params ?? [])).rows as R[],
        exec: async (sql: string) => void (await c.query(sql)),
      });
      const sample = await copySchemaAndSample(wrap(source), wrap(target), options.schema, options.sampleRows);
      const notes = [`sample copy: schema "${options.schema}" with up to ${options.sampleRows.toLocaleString('en-US')} rows of each of its ${sample.tables} tables (${sample.rows.toLocaleString('en-US')} rows)`, ...sample.notes];
      return { name, url: copyUrl, method: 'sample', reason, notes, finish };
    } catch (error) {
      throw explainDatabaseError(error, 'copying the schema and a sample');
    } finally {
      await source.end().catch(() => {});
      await target.end().catch(() => {});
    }
  } catch (error) {
    await finish(false).catch(() => {}); // the failure that brought us here is the one to report
    throw error;
  }
}
