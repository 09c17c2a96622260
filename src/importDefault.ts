import Module, { createRequire, register } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Loads a user's file and returns what it exports. */
type Loader = (path: string) => unknown;

const TYPESCRIPT = ['.ts', '.mts', '.cts'];

/** This package's entry, found as a user file finds 'midair' (under the tests, src/ runs and the entry is dist/index.js). */
function entry(): string {
  return createRequire(import.meta.url).resolve('midair');
}

let typescriptLoader: Promise<Loader> | undefined;
let javascriptLoader: Promise<Loader> | undefined;

/**
 * `require('midair')` in user files is this package (a CommonJS user file, and every TypeScript
 * one, see below): the CommonJS resolver is wrapped, as Node 20 has no public hook for it. Each
 * loader wraps it once, the TypeScript one after tsx's own wrapper, so that it runs first: tsx never
 * tags 'midair' with its namespace, which would load a second copy of the library.
 */
function resolveMidairInRequire(path: string): void {
  const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolveFilename = resolver._resolveFilename;
  resolver._resolveFilename = function (request, ...rest) {
    return request === 'midair' ? path : resolveFilename.call(this, request, ...rest);
  };
}

/**
 * TypeScript, with tsx loaded only now: it compiles the file to CommonJS in this thread and
 * require()s it (the ES modules it imports, the library among them, are required as ES modules).
 * tsx's import() would start Node's module-hook thread, which costs about as much as starting Node.
 * Its namespace keeps it to the user's files.
 */
async function loadTypescript(): Promise<Loader> {
  const { register: registerTsx } = await import('tsx/cjs/api');
  const tsx = registerTsx({ namespace: 'midair-user-files' });
  resolveMidairInRequire(entry());
  return (path) => tsx.require(path, import.meta.url);
}

/**
 * JavaScript, imported as it is, with `import ... from 'midair'` resolved by the hook in
 * resolveMidair.ts beside the entry. The library (which every user file imports) is loaded first,
 * natively: once a hook is registered, every import goes through it, in a thread of its own.
 */
async function loadJavascript(): Promise<Loader> {
  const library = entry();
  await import(pathToFileURL(library).href);
  register(new URL('./resolveMidair.js', pathToFileURL(library)));
  resolveMidairInRequire(library);
  return (path) => import(pathToFileURL(path).href);
}

/**
 * The default export of a user's .ts or .js file. Each file is loaded once per process. A CommonJS
 * module compiled from an ES module comes with its default export one level down, unwrapped here;
 * undefined when the file has none.
 */
export async function importDefault(path: string): Promise<unknown> {
  const load = TYPESCRIPT.includes(extname(path)) ? (typescriptLoader ??= loadTypescript()) : (javascriptLoader ??= loadJavascript());
  const module = (await (await load)(path)) as { default?: unknown };
  const value = module.default;
  return value && typeof value === 'object' && ('__esModule' in value || 'default' in value) ? (value as { default?: unknown }).default : value;
}
