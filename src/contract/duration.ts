// Durations as the upstream collector writes them (Go's time.ParseDuration: "200ms", "1m30s", "5s"), shared by the
// API's checks and the collector's config.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds in a Go duration string, or undefined when it is not one. "0" is allowed, as in Go. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let total = 0;
  let index = 0;
  const sign = text.startsWith('-') ? -1 : 1;
  if (text.startsWith('-') || text.startsWith('+')) index = 1;
  if (index >= text.length) return undefined;
  while (index < text.length) {
    PART.lastIndex = index;
    const match = PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    index = PART.lastIndex;
  }
  return sign * total;
}

/** Milliseconds printed as Go's time.Duration.String() does ("1h2m3.5s", "49.01s", "250ms"), as upstream's health responses read. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trim(rest)}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${trim(rest / 1000)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trim(value: number): string {
  return String(Number(value.toFixed(9)));
}
