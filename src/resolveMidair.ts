import type { ResolveHook } from 'node:module';

/**
 * A module resolve hook (registered by importDefault.ts with module.register): `import ... from
 * 'midair'` in a user's config or migration file is this package, the one running. The file then
 * works in a folder with no node_modules of its own (e.g. after `npx midair init` from a global
 * install), and it shares the running library, not a second copy of it.
 */
const ENTRY = new URL('./index.js', import.meta.url).href;

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  if (specifier === 'midair') return { url: ENTRY, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
};
