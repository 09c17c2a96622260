/** "0.4s", "12s", "3m 05s", "1h 02m": short enough for a progress line. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatEta(seconds: number | null): string {
  return seconds === null ? '?' : formatSeconds(seconds);
}

/** 12345.6 -> "12,346". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
