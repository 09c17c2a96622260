export interface StageSpan {
  stage: string;
  startedAt: string;
  endedAt: string;
  seconds: number;
}

/** The stages of one run in order, with wall-clock times; requests are counted against the current one. */
export class Timeline {
  private readonly spans: { stage: string; started: number; ended: number | null }[] = [];

  get current(): string {
    return this.spans.at(-1)?.stage ?? 'setup';
  }

  begin(stage: string): void {
    this.end();
    this.spans.push({ stage, started: Date.now(), ended: null });
  }

  end(): void {
    const last = this.spans.at(-1);
    if (last && last.ended === null) last.ended = Date.now();
  }

  list(): StageSpan[] {
    return this.spans.map((s) => {
      const ended = s.ended ?? Date.now();
      return { stage: s.stage, startedAt: new Date(s.started).toISOString(), endedAt: new Date(ended).toISOString(), seconds: (ended - s.started) / 1000 };
    });
  }
}
