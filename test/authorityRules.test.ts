import { describe, expect, it } from 'vitest';
import { stepsFrom } from '../src/people/approvals.js';
import { requireAllowed, whoMay } from '../src/people/authority.js';
import type { ResolvedPeople } from '../src/people/migrationPeople.js';
import { defineMigration, MidairRefusal } from '../src/index.js';
import { TRANSITIONS } from '../src/stages/machine.js';
import { APPROVABLE_STEPS } from '../src/people/team.js';

// The rules of who may do what, without a database.

const PEOPLE: ResolvedPeople = {
  owners: { primary: 'alice', secondary: 'bob', tertiary: 'dave' },
  rollbackAuthority: { person: 'carol', deputy: 'bob' },
  service: null,
  approvals: { complete: { count: 1 } },
};
const MIGRATION = defineMigration({ name: 'm', operations: [] });

describe('who may do what', () => {
  it('owners do the work; in the traffic stages only the rollback authority or deputy stops it, before them owners may too', () => {
    expect(whoMay('ramp', 'live', PEOPLE).people).toEqual(['alice', 'bob', 'dave']);
    for (const stage of ['shadow', 'live', 'rampdown'] as const) {
      expect(whoMay('roll back', stage, PEOPLE).people).toEqual(['carol', 'bob']);
      expect(whoMay('pull the kill switch of', stage, PEOPLE).people).toEqual(['carol', 'bob']);
    }
    expect(whoMay('roll back', 'expanded', PEOPLE).people).toEqual(['alice', 'bob', 'dave', 'carol']);
  });

  it('anyone verified may kill while a guard breaches; nobody unverified, breach or not', async () => {
    const verified = { person: 'eve', via: 'role' as const, label: 'eve' };
    const breach = async () => 'guard "mismatch rate": 10% of 100 compares mismatched';
    await expect(requireAllowed(verified, PEOPLE, 'pull the kill switch of', { migration: MIGRATION, stage: 'live', breach })).resolves.toBeUndefined();
    await expect(requireAllowed(verified, PEOPLE, 'pull the kill switch of', { migration: MIGRATION, stage: 'live', breach: async () => null })).rejects.toThrow(MidairRefusal);
    await expect(requireAllowed(verified, PEOPLE, 'roll back', { migration: MIGRATION, stage: 'live', breach })).rejects.toThrow('"eve" may not roll back migration "m" while it is live');
    const unverified = { person: null, via: null, label: 'unverified ops@host' };
    await expect(requireAllowed(unverified, PEOPLE, 'pull the kill switch of', { migration: MIGRATION, stage: 'live', breach })).rejects.toThrow(/^unverified ops@host is not a verified person of the team/);
  });

  it('an approval can be given for exactly the approvable moves out of each stage', () => {
    // A rollback takes no approval: an undo must always stay possible.
    for (const stage of ['expanded', 'shadow', 'live', 'rampdown'] as const) {
      const moves = TRANSITIONS.filter((t) => t.from === stage && t.to !== stage && t.to !== 'rolling_back').map((t) => t.to);
      expect(stepsFrom(stage).filter((s) => s !== 'ramp').sort()).toEqual(moves.sort());
    }
    expect(stepsFrom('planned')).toEqual(['start']);
    expect(stepsFrom('live')).toContain('ramp');
    expect(APPROVABLE_STEPS).not.toContain('rollback');
    for (const t of TRANSITIONS.filter((t) => t.action === 'rollback')) expect(t.gates.map((g) => g.name)).not.toContain('approvals of rollback');
  });
});
