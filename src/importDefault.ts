import Module, { createRequire, register } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

type Importer = (url: string) => Promise<unknown>;

const TYPESCRIPT = ['.ts', '.mts', '.cts'];

/** This package's entry, found as a user file finds 'midair' (under the tests, src/ runs and the entry is dist/index.js). */
const ENTRY = createRequire(import.meta.url).resolve('midair');
const ENTRY_URL = pathToFileURL(ENTRY);

let plainImporter: Promise<Importer> | undefined;
let typescriptImporter: Promise<Importer> | undefined;
let requireResolvesMidair = false;

/**
 * Makes 'midair' in user files this package: in imports, by the hook in resolveMidair.ts beside
 * the entry; in require() (tsx compiles a .ts file outside a "type": "module" package to
 * CommonJS), by wrapping the CommonJS resolver, for which Node 20 has no public hook.
 */
function resolveMidairHere(): void {
  register(new URL('./resolveMidair.js', ENTRY_URL));
  if (requireResolvesMidair) return;
  requireResolvesMidair = true;
  const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolveFilename = resolver._resolveFilename;
  resolver._resolveFilename = function (request, ...rest) {
    return request === 'midair' ? ENTRY : resolveFilename.call(this, request, ...rest);
  };
}

/**
 * Every user file imports the library, so it is loaded first, natively: once module hooks are
 * registered, every import goes through them, in a thread of their own, which is much slower.
 */
async function loadLibraryBeforeHooks(): Promise<void> {
  await import(ENTRY_URL.href);
}

/** Node's own import(), with 'midair' resolved to this package. */
async function plainImport(): Promise<Importer> {
  await loadLibraryBeforeHooks();
  resolveMidairHere();
  return (url) => import(url);
}

/**
 * tsx's loader, loaded only now, in a namespace of its own so that it leaves Midair's own modules
 * alone. The 'midair' hook is registered after it, so it runs first (the last hooks registered run
 * first): tsx never sees 'midair' and never tags it with its namespace, which would load a second
 * copy of the library.
 */
async function typescriptImport(): Promise<Importer> {
  await loadLibraryBeforeHooks();
  const { register: registerTsx } = await import('tsx/esm/api');
  const tsx = registerTsx({ namespace: 'midair-user-files' });
  resolveMidairHere();
  return (url) => tsx.import(url, import.meta.url);
}

/**
 * The default export of a user's .ts or .js file: TypeScript compiled on the fly by tsx, JavaScript
 * imported as it is. Each file is loaded once per process. A file that tsx treats as CommonJS comes
 * back wrapped in a second `default`, which is unwrapped here.
 */
export async function importDefault(path: string): Promise<unknown> {
  const importer = TYPESCRIPT.includes(extname(path)) ? (typescriptImporter ??= typescriptImport()) : (plainImporter ??= plainImport());
  const module = (await (await importer)(pathToFileURL(path).href)) as { default?: unknown };
  const value = module.default;
  return value && typeof value === 'object' && 'default' in value ? (value as { default: unknown }).default : value;
}
