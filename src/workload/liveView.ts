import type { BackfillProgress, Reporter } from '../lifecycle/context.js';

/** Where a run shows itself to a person while it goes (the demo's progress display implements it). */
export interface LiveView {
  /** A stage begins; `detail` says what it means for the traffic. */
  stage(name: string, detail?: string): void;
  /** A line for people: Midair's steps and warnings, notable events. */
  note(message: string): void;
  /** How far the current step is, e.g. "12,000/25,000 users": a terminal's status line shows it; plain output does not. */
  progress(detail: string): void;
  backfill(progress: BackfillProgress): void;
  close(): void;
}

/** A view that shows nothing, for library callers and tests. */
export const silentView: LiveView = { stage() {}, note() {}, progress() {}, backfill() {}, close() {} };

/** Midair's reporter for a run: notices go to the view; a backfill stops at its next batch once `signal` fires. */
export function liveReporter(view: LiveView, signal?: AbortSignal): Reporter {
  return {
    step: (message) => view.note(message),
    warn: (message) => view.note(`warning: ${message}`),
    progress(progress) {
      signal?.throwIfAborted();
      view.backfill(progress);
    },
  };
}
