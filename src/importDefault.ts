import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/**
 * The default export of a user's .ts or .js file, TypeScript compiled on the fly. A file that tsx
 * treats as CommonJS comes back wrapped in a second `default`, which is unwrapped here.
 */
export async function importDefault(path: string): Promise<unknown> {
  const module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  const value = module.default;
  return value && typeof value === 'object' && 'default' in value ? (value as { default: unknown }).default : value;
}
