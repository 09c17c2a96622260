import { MidairRefusal } from '../errors.js';
import { audit } from '../state/store.js';
import type { Context } from '../lifecycle/context.js';
import type { Migration } from '../migration/types.js';
import { breachNow } from '../stages/guards.js';
import { TRAFFIC_STAGES } from '../stages/stage.js';
import { activeMigrations, latestByName, type MigrationRecord, type Stage } from '../state/store.js';
import type { Actor } from './actor.js';
import { ownerChain, peopleOf, type ResolvedPeople } from './migrationPeople.js';
import type { Override } from './schedule/guard.js';

/** What a person does to a migration; every verb that changes something is one of these. */
export type Act = 'start' | 'backfill' | 'pause or resume the backfill of' | 'verify' | 'migrate rows of' | 'change the canary sets of' | 'advance' | 'ramp' | 'complete' | 'roll back' | 'pull the kill switch of';

/** The migration acted on: its definition and where it is ('planned': not started). */
export interface Acted {
  migration: Migration;
  stage: Stage | 'planned';
  /** For the kill switch: the guard that breaches (or fired) now, asked only when the rule needs it. */
  breach?: () => Promise<string | null>;
}

/** How a person gets verified, for every refusal of an unverified actor. */
function howToGetVerified(): string {
  return 'connect as a PostgreSQL role listed in your team.people.<you>.roles, or run `midair login` and use the token it saves (or set MIDAIR_TOKEN)';
}

/** The one refusal of an unverified actor: `what` is what they may not do, e.g. 'approve'. */
export function unverifiedRefusal(actor: Actor, what: string): MidairRefusal {
  return new MidairRefusal('not allowed', `${actor.label} is not a verified person of the team, so may not ${what}`, howToGetVerified());
}

/** The acts that stop a migration: they must stay possible whatever is wrong with its people. */
const STOPPING: readonly Act[] = ['roll back', 'pull the kill switch of'];

const list = (people: readonly string[]) => people.map((p) => `"${p}"`).join(', ');

/**
 * Who may do `act` to a migration at `stage`, and in words. Owners may do everything but roll back
 * or kill in the traffic stages (shadow, live, rampdown), where only the rollback authority or its
 * deputy may; before them nothing reaches the new shape yet, so owners may roll back too.
 */
export function whoMay(act: Act, stage: Stage | 'planned', people: ResolvedPeople): { people: string[]; described: string } {
  const owners = ownerChain(people.owners);
  const { person, deputy } = people.rollbackAuthority;
  const authority = [person, deputy];
  const stopping = STOPPING.includes(act);
  if (stopping && (TRAFFIC_STAGES as readonly string[]).includes(stage)) {
    return { people: authority, described: `its rollback authority "${person}" or deputy "${deputy}"` };
  }
  if (stopping) {
    const all = [...new Set([...owners, ...authority])];
    return { people: all, described: `its owners or rollback authority (${list(all)})` };
  }
  return { people: owners, described: `its owners (${list(owners)})` };
}

/**
 * Refuses (MidairRefusal 'not allowed', naming the person, the act, who may, and how to get
 * verified) unless `actor` may do `act` to the migration. Anyone verified may pull the kill switch
 * while a guard breaches.
 */
export async function requireAllowed(actor: Actor, people: ResolvedPeople, act: Act, acted: Acted): Promise<void> {
  const name = acted.migration.name;
  const who = whoMay(act, acted.stage, people);
  if (actor.person === null) {
    throw new MidairRefusal('not allowed', `${actor.label} is not a verified person of the team, so may read but not ${act} migration "${name}" (${who.described} may)`, howToGetVerified());
  }
  if (who.people.includes(actor.person)) return;
  if (act === 'pull the kill switch of' && acted.breach && (await acted.breach())) return;
  const where = acted.stage === 'planned' ? '' : ` while it is ${acted.stage}`;
  const killNote = act === 'pull the kill switch of' ? '; anyone verified may pull it while a guard breaches (`midair gates`)' : '';
  const hint = act === 'roll back' || act === 'pull the kill switch of'
    ? `ask ${list(who.people)}, or name the rollback authority in the migration's rollbackAuthority (or team.migrations.${name}.rollbackAuthority)${killNote}`
    : `ask ${list(who.people)}, or add "${actor.person}" to the migration's owners (in its file, or team.migrations.${name}.owners)`;
  throw new MidairRefusal('not allowed', `"${actor.person}" may not ${act} migration "${name}"${where}: only ${who.described} may`, hint);
}

/** The migration a verb on `name` (or on the only active one) is about: an active one first, else the latest of that name. */
async function recordOf(ctx: Context, name: string | undefined): Promise<MigrationRecord | undefined> {
  const active = await activeMigrations(ctx.db, ctx.settings.schema);
  if (!name) return active.length === 1 ? active[0] : undefined;
  return active.find((m) => m.name === name) ?? (await latestByName(ctx.db, name));
}

/**
 * The people of a migration, for `act`. When they cannot be resolved (started before a team
 * existed, an owner since removed from team.people), a rollback and the kill switch still go for
 * any verified person, with a warning and an audit row saying why: an in-flight migration must
 * always be stoppable. Null then; every other act is refused with the reason 'people'.
 */
async function peopleFor(ctx: Context, team: NonNullable<Context['settings']['team']>, act: Act, migration: Migration): Promise<ResolvedPeople | null> {
  try {
    return peopleOf(team, migration);
  } catch (error) {
    if (!(error instanceof MidairRefusal) || error.reason !== 'people' || !STOPPING.includes(act)) throw error;
    if (ctx.actor.person === null) throw unverifiedRefusal(ctx.actor, `${act} migration "${migration.name}"`);
    const reason = error.message;
    ctx.report.warn(`the people of migration "${migration.name}" cannot be resolved (${reason}), so any verified person may ${act} it; "${ctx.actor.person}" does, recorded in the audit log`);
    await audit(ctx.db, ctx.actor, { action: 'people unresolved', migration: migration.name, details: { act, reason } });
    return null;
  }
}

/**
 * With a team, what every acting Midair method calls first: refuses unless the one acting may do
 * `act` to the migration given (a definition, for plan and start) or named (an active migration's
 * recorded definition). Without a team it does nothing. A migration it cannot find is left to the
 * verb, which says what is wrong. An act that carries a schedule `override` lets the rollback
 * authority through: the schedule guard then judges the override.
 */
export async function authorize(ctx: Context, act: Act, about: Migration | string | undefined, options: { override?: Override } = {}): Promise<void> {
  const team = ctx.settings.team;
  if (!team) return;
  const record = await recordOf(ctx, typeof about === 'object' ? about.name : about);
  const current = record && record.stage !== 'rolled_back' && record.stage !== 'complete' ? record : undefined;
  const migration = typeof about === 'object' ? about : record?.definition;
  if (!migration) return;
  const stage = typeof about === 'object' ? (current?.stage ?? 'planned') : (record?.stage ?? 'planned');
  const breach = async () => {
    if (!current) return null;
    if (current.killed?.auto) return current.killed.auto;
    return (await breachNow(ctx.db, current, ctx.settings.traffic))?.reason ?? null;
  };
  const people = await peopleFor(ctx, team, act, migration);
  if (!people) return;
  if (options.override && ctx.actor.person === people.rollbackAuthority.person) return;
  await requireAllowed(ctx.actor, people, act, { migration, stage, breach });
}
