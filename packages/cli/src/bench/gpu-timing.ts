// Timing GPU work from JavaScript. A kernel is recorded, not run, when called; the GPU runs
// batches once they are submitted, and mx.gpu.synchronize() waits for all of them. So the
// clock stops after synchronize, never after a call.
//
// A short kernel (a 7 MB matrix-vector product takes ~2 us on an H200) runs faster than
// JavaScript records it (~10-20 us a call): timed from the host alone, the GPU would wait
// for the CPU and the figure would be the recording's. gpuSecondsBehind therefore records
// the calls while the GPU is busy with a known amount of other work (reads of a large
// buffer, submitted first), so that the GPU never waits, and subtracts that work's time,
// measured in alternate rounds: the GPU time of the calls alone, host overhead excluded.
// That subtraction needs the calls' GPU time to stand well above the host's jitter; for a
// few short launches gpuSecondsProfiled asks the GPU's own clock instead (mx.gpu.profile).
import * as mx from "@tiny-llm/array";

import { median, now } from "./stats";

/** Wall seconds of recording `calls` calls (`record(i)`) and waiting for the GPU to finish them. */
async function timeCalls(record: (i: number) => void, calls: number): Promise<number> {
  const t = now();
  for (let i = 0; i < calls; i++) record(i);
  await mx.gpu.synchronize();
  return now() - t;
}

/** Seconds per call of `record` (`calls` back to back, then synchronize): median of `rounds`, after a warm-up round. */
export async function gpuSecondsPerCall(record: (i: number) => void, calls: number, rounds = 5): Promise<number> {
  await timeCalls(record, calls);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) times.push(await timeCalls(record, calls));
  return median(times) / calls;
}

/** Work that keeps the GPU busy: one call records `secondsPerCall` seconds of GPU work. */
export interface BusyWork {
  record(): void;
  secondsPerCall: number;
}

/**
 * GPU seconds per call of `record`, host overhead excluded (see the top of this file):
 * in each round, `busy` work longer than the recording of the `calls` calls is submitted,
 * the calls are recorded behind it, and the busy work's own time (timed alone, in the
 * same round) is subtracted. Median of `rounds`.
 */
export async function gpuSecondsBehind(record: (i: number) => void, calls: number, busy: BusyWork, rounds = 5): Promise<number> {
  let t = now();
  for (let i = 0; i < calls; i++) record(i); // warm-up: pipelines, buffers; measures the recording
  const recording = now() - t;
  await mx.gpu.synchronize();
  const busyCalls = Math.ceil((2 * recording + 1e-3) / busy.secondsPerCall);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < busyCalls; i++) busy.record();
    t = now();
    await mx.gpu.synchronize();
    const alone = now() - t;
    for (let i = 0; i < busyCalls; i++) busy.record();
    t = now();
    mx.gpu.submit(); // the busy work
    for (let i = 0; i < calls; i++) record(i);
    // Sent while the busy work still runs: sent after it ended, the GPU would idle through
    // their submit (a microsecond or more a launch), and their time would include it.
    mx.gpu.submit();
    await mx.gpu.synchronize();
    times.push((now() - t - alone) / calls);
  }
  return Math.max(median(times), 1e-9);
}

/** Whether the GPU offers timestamp queries (what mx.gpu.profile and gpuSecondsProfiled need). */
export const gpuHasTimestamps = (): boolean => mx.gpu.info().features.includes("timestamp-query");

/**
 * GPU seconds per call of `record` on the GPU's own clock (mx.gpu.profile: each launch in
 * a pass of its own, timestamps at its start and end): the launches whose label starts
 * with `label`, summed, per call. Median of `rounds`, after a warm-up round. Each launch's
 * own pass adds a few microseconds; no host time is in it. Needs "timestamp-query".
 */
export async function gpuSecondsProfiled(record: () => void, calls: number, label: string, rounds = 5): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const kernels = await mx.gpu.profile(async () => {
      for (let i = 0; i < calls; i++) record();
      await mx.gpu.synchronize();
    });
    const seconds = kernels.filter((k) => k.label.startsWith(label)).reduce((sum, k) => sum + k.seconds, 0);
    if (r > 0) times.push(seconds / calls);
  }
  return median(times);
}

/**
 * GPU seconds per call of `record`'s launches labelled `label`: on the GPU's own clock where
 * it has timestamp queries (gpuSecondsProfiled), else behind `busy` work (gpuSecondsBehind).
 * For calls too few or too long for that subtraction's noise.
 */
export function gpuSecondsOfLaunches(record: () => void, calls: number, label: string, busy: BusyWork, rounds: number): Promise<number> {
  return gpuHasTimestamps() ? gpuSecondsProfiled(record, calls, label, rounds) : gpuSecondsBehind(record, calls, busy, rounds);
}
