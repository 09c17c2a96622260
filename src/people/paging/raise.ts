import type { Queryable } from '../../db/executor.js';
import type { Migration } from '../../migration/types.js';
import { latestByName } from '../../state/store.js';
import type { Actor } from '../actor.js';
import { ownerChain, peopleOf } from '../migrationPeople.js';
import type { PagingConfig, TeamConfig } from '../team.js';
import { dedupKeyOf, pageEvent, type PageEventKind, type PageLevel } from './event.js';
import { notify } from './notify.js';
import { openPage, type PageRecord } from './pages.js';
import { pagedPerson } from './person.js';
import type { Delivery, SendOptions } from './send.js';

/** Something that happened to a migration, for its owners to hear about. */
export interface Alert {
  event: PageEventKind;
  level: PageLevel;
  migration: string | null;
  stage: string | null;
  message: string;
}

/** The migration's owners in paging order, or null when they are unknown (no such migration, no owners). */
async function chainOf(db: Queryable, team: TeamConfig, name: string | null, definition?: Migration): Promise<string[] | null> {
  if (!name) return null;
  const migration = definition ?? (await latestByName(db, name))?.definition;
  if (!migration) return null;
  try {
    return ownerChain(peopleOf(team, migration).owners);
  } catch {
    // A migration without owners still reaches the channels, naming nobody.
    return null;
  }
}

/**
 * Tells the primary owner through every channel. An info alert only informs; a warning or a
 * critical one is also stored as a page that escalates (escalateDue) until `midair ack`.
 */
export async function raise(
  db: Queryable,
  actor: Actor,
  team: TeamConfig & { paging: PagingConfig },
  alert: Alert,
  at: Date,
  options: Pick<SendOptions, 'backoff' | 'signal'> & { definition?: Migration } = {},
): Promise<{ page: PageRecord | null; deliveries: Delivery[] }> {
  const chain = await chainOf(db, team, alert.migration, options.definition);
  const dedupKey = dedupKeyOf(alert.migration, alert.event);
  const page = chain && alert.migration && alert.level !== 'info'
    ? await openPage(db, { migration: alert.migration, event: alert.event, level: alert.level, stage: alert.stage, message: alert.message, dedupKey, chain, at })
    : null;
  const event = pageEvent({ ...alert, person: chain ? pagedPerson(team, chain, 0) : null, dedupKey }, at);
  return { page, deliveries: await notify(db, actor, team.paging, event, options) };
}
