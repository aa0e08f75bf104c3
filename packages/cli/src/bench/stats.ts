// Timing helpers: warm-up, several runs, median.

/** Seconds since an arbitrary origin (monotonic). */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Blocks the thread for `ms` milliseconds (lets other libraries' spinning threads go idle). */
export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `runs` times (after `warmup` untimed runs); returns each run's seconds. */
export function timeRuns(fn: () => void, runs: number, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    fn();
    out.push(now() - t);
  }
  return out;
}

/** How many runs fit in about `budget` seconds, given one run's seconds (at least `min`). */
export function runsFor(oneRun: number, budget: number, min = 3, max = 50): number {
  return Math.max(min, Math.min(max, Math.round(budget / Math.max(oneRun, 1e-6))));
}

/**
 * Times `ours` and `ref` in alternating rounds (so drifting clocks and noisy
 * neighbours hit both alike) and returns the median seconds of each. `settleMs`
 * waits after each block of `ref` runs: OpenBLAS's workers keep spinning after a call
 * (up to 2^28 cycles, about 0.1 s, by default) and would take a core from ours.
 */
export function compare(
  ours: () => void, ref: (() => void) | null, rounds = 5, budget = 0.4, settleMs = 0,
): { ours: number; ref: number | null } {
  ours();
  const t = now();
  ours();
  const per = runsFor(now() - t, budget / rounds, 1, 20);
  const a: number[] = [];
  const b: number[] = [];
  if (ref) {
    ref();
    if (settleMs > 0) sleep(settleMs); // the first round of ours too
  }
  for (let r = 0; r < rounds; r++) {
    a.push(...timeRuns(ours, per, 0));
    if (ref) {
      b.push(...timeRuns(ref, per, 0));
      if (settleMs > 0) sleep(settleMs);
    }
  }
  return { ours: median(a), ref: ref ? median(b) : null };
}
