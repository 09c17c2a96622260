import type { Reporter } from '../lifecycle/context.js';
import { progressView } from './progress.js';

/** Renders the engine's notices on stderr, keeping stdout for the result. */
export function cliReporter(json: boolean): Reporter {
  const progress = progressView(json);
  const line = (text: string) => {
    progress.pause();
    process.stderr.write(text + '\n');
  };
  return {
    step: (message) => line(message),
    warn: (message) => line(`warning: ${message}`),
    progress: (p) => progress.update(p),
  };
}
