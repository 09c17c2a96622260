import { describe, expect, it } from 'vitest';
import { shortName } from '../src/db/sql.js';
import { compile } from '../src/migration/compile.js';
import { canonicalType } from '../src/migration/typeNames.js';
import { defineMigration, op } from '../src/index.js';
import type { Catalog } from '../src/catalog/read.js';

const table = (name: string) => ({ name, key: ['id'], indexes: [], columns: [{ name: 'id', type: 'integer', nullable: false, default: null }, { name: 'a', type: 'text', nullable: true, default: null }] });

describe('generated names', () => {
  it('stay within 63 bytes and apart when long names share a prefix', () => {
    const a = shortName('sync', 'x'.repeat(40), 'user_notification_settings');
    const b = shortName('sync', 'x'.repeat(40), 'user_notification_preferences');
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(Buffer.byteLength(shortName('é'.repeat(40)))).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(shortName('short', 'name')).toBe('short_name');
  });

  it('give every table of a migration its own sync function and trigger', () => {
    const catalog: Catalog = { schema: 'public', tables: [table('user_notification_settings'), table('user_notification_preferences')], relations: [] };
    const migration = defineMigration({
      name: 'a_rather_long_migration_name_of_40_chars',
      operations: [
        op.addColumn({ table: 'user_notification_settings', column: { name: 'b', type: 'text' }, up: 'a' }),
        op.addColumn({ table: 'user_notification_preferences', column: { name: 'b', type: 'text' }, up: 'a' }),
      ],
    });
    const functions = compile(migration, catalog).plan.expand.map((s) => /^CREATE OR REPLACE FUNCTION (midair\.\S+)\(\)/.exec(s.sql)?.[1]).filter(Boolean);
    expect(functions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(functions).size).toBe(functions.length);
  });
});

describe('type names', () => {
  it('treat PostgreSQL short spellings as the same type', () => {
    expect(canonicalType('int')).toBe('integer');
    expect(canonicalType('VARCHAR( 20 )')).toBe('character varying(20)');
    expect(canonicalType('timestamptz')).toBe('timestamp with time zone');
    expect(canonicalType('timestamp(3)')).toBe('timestamp(3) without time zone');
    expect(canonicalType('int8[]')).toBe('bigint[]');
    expect(canonicalType('numeric(10,2)')).toBe(canonicalType('decimal(10, 2)'));
    expect(canonicalType('text')).not.toBe(canonicalType('integer'));
  });
});
