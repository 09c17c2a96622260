const UNIT_MINUTES = { m: 1, h: 60, d: 1440, w: 10080 } as const;

/** Minutes in a duration written "90m", "6h", "30d" or "4w"; null when it does not parse. */
export function durationMinutes(text: string): number | null {
  const match = /^(\d+)\s*(m|h|d|w)$/.exec(text.trim());
  if (!match) return null;
  const minutes = Number(match[1]) * UNIT_MINUTES[match[2] as keyof typeof UNIT_MINUTES];
  return minutes > 0 ? minutes : null;
}

/** "5m", "1h", "3d": the shortest way to write a number of minutes. */
export function describeMinutes(minutes: number): string {
  if (minutes % 10080 === 0) return `${minutes / 10080}w`;
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
