// The totals of a run of many requests, as `pnpm main --prompts-file` and `pnpm bench
// --part serve` report them: output tokens/s, time to first token (TTFT) and time between
// tokens (TBT), each at its median and 95th percentile.

/** When one request's tokens came: seconds from the run's start to each generated token. */
export interface RequestTimes {
  tokenSeconds: readonly number[];
}

/** A run's totals. */
export interface ServingTotals {
  requests: number;
  outputTokens: number;
  /** Wall seconds of the whole run. */
  seconds: number;
  /** outputTokens / seconds. */
  tokensPerSecond: number;
  /** Seconds from the start to each request's first token (every request arrives at the start). */
  ttft: Percentiles;
  /** Seconds between consecutive tokens of a request, over all requests. */
  tbt: Percentiles;
}

export interface Percentiles {
  p50: number;
  p95: number;
}

/** The p-th percentile (0..100) of xs, interpolating between ranks as numpy does; NaN for none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = ((s.length - 1) * p) / 100;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

const percentiles = (xs: readonly number[]): Percentiles => ({ p50: percentile(xs, 50), p95: percentile(xs, 95) });

/** The totals of `requests` served in `seconds`. */
export function servingTotals(requests: readonly RequestTimes[], seconds: number): ServingTotals {
  const outputTokens = requests.reduce((n, r) => n + r.tokenSeconds.length, 0);
  const firsts = requests.flatMap((r) => r.tokenSeconds.slice(0, 1));
  const gaps = requests.flatMap((r) => r.tokenSeconds.slice(1).map((t, i) => t - r.tokenSeconds[i]));
  return { requests: requests.length, outputTokens, seconds, tokensPerSecond: outputTokens / seconds, ttft: percentiles(firsts), tbt: percentiles(gaps) };
}

/** Seconds as milliseconds: "12.3 ms", "1520 ms"; "-" for NaN (no such interval). */
export const ms = (s: number) => (Number.isNaN(s) ? "-" : `${(s * 1000).toFixed(s < 1 ? 1 : 0)} ms`);

/** The figures of `t` as table cells: output tok/s, TTFT p50 and p95, TBT p50 and p95. */
export function totalsCells(t: ServingTotals): string[] {
  return [t.tokensPerSecond.toFixed(1), ms(t.ttft.p50), ms(t.ttft.p95), ms(t.tbt.p50), ms(t.tbt.p95)];
}

/** The heads of totalsCells' columns. */
export const TOTALS_HEAD = ["output tok/s", "TTFT p50", "TTFT p95", "TBT p50", "TBT p95"];
