// Run as a child process by model-week2.ts (fork), so that no earlier run counts:
// loads a checkpoint into a solution's week 2 model and sends back the peak resident
// memory before and after. On Linux that is VmHWM of /proc/self/status, the high-water
// mark of this process's own memory since exec: resourceUsage().maxRSS would not do,
// as Linux starts a forked child's maxRSS at its parent's RSS and keeps it across exec.
//
//   load-peak-rss.ts <solution> <checkpoint dir>   ->  process.send({ baseline, peak }) in bytes
import * as fs from "node:fs";

import { load } from "@tiny-llm/loader";

import { loadSolution, type SolutionName } from "../solution";

/** What the child sends: peak RSS in bytes before the weights are read (baseline) and after (peak). */
export interface LoadPeakRss {
  baseline: number;
  peak: number;
}

/** Peak resident bytes of this process so far. */
function peakRss(): number {
  const status = fs.existsSync("/proc/self/status") ? fs.readFileSync("/proc/self/status", "utf8") : "";
  const kib = /^VmHWM:\s*(\d+) kB/m.exec(status)?.[1];
  return (kib === undefined ? process.resourceUsage().maxRSS : Number(kib)) * 1024; // KiB either way
}

async function main(): Promise<void> {
  const [solution, dir] = process.argv.slice(2);
  const impl = await loadSolution(solution as SolutionName);
  // The baseline includes load(): config, tokenizer (tens of MB whatever the model's
  // size) and the files' headers; the weights are read by the model's constructor.
  const loaded = load(dir);
  const baseline = peakRss();
  new impl.Qwen2ModelWeek2!(loaded);
  loaded.weights.close();
  const msg: LoadPeakRss = { baseline, peak: peakRss() };
  process.send!(msg);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
