import type { Side } from '../client/route.js';
import type { Person } from './names.js';

/**
 * One request of the demo's application: a read or a write of one user or product. New records
 * have no id before their insert, so they carry a token of the request instead: the client routes
 * them by it (a new record has no routing history to be sticky to).
 */
export type DemoRequest =
  | { table: 'users'; op: 'read'; id: string }
  | { table: 'users'; op: 'rename'; id: string; person: Person }
  | { table: 'users'; op: 'email'; id: string; email: string | null }
  | { table: 'users'; op: 'delete'; id: string }
  | { table: 'users'; op: 'signUp'; token: string; person: Person; email: string | null }
  | { table: 'products'; op: 'read'; id: string }
  | { table: 'products'; op: 'price'; id: string; cents: number }
  | { table: 'products'; op: 'add'; token: string; title: string; cents: number };

/** A user or product as the new shape holds it: what both sides' reads return, to be compared. */
export type DemoRecord = { first_name: string; last_name: string | null; email: string } | { title: string; price_cents: number };

/** What a write reports: the record's id (new for an insert) and the shape that wrote it, for the ledger. */
export interface DemoWritten {
  id: string;
  side: Side;
}

/** The routing key: table and id, so a user and a product with the same id are routed independently. */
export function demoKey(r: DemoRequest): string {
  return `${r.table}:${'id' in r ? r.id : `new:${r.token}`}`;
}
