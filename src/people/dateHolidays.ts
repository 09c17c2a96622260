import { createRequire } from 'node:module';
import type Holidays from 'date-holidays';

const require = createRequire(import.meta.url);

/**
 * The date-holidays class, required on first use: it takes about half a second to load, which
 * every verb would pay if it were imported, and only a team that names a region needs it.
 */
export function dateHolidays(): typeof Holidays {
  return require('date-holidays') as typeof Holidays;
}
