import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/**
 * The default export of a user's .ts or .js file, TypeScript compiled on the fly; undefined when it
 * has none. A file that tsx treats as CommonJS comes back as its exports object (marked
 * `__esModule`), whose own `default` is the file's default export.
 */
export async function importDefault(path: string): Promise<unknown> {
  const module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  const value = module.default;
  return value && typeof value === 'object' && ('__esModule' in value || 'default' in value) ? (value as { default?: unknown }).default : value;
}
