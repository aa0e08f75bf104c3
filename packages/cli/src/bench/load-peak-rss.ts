// Run as a child process by model-week2.ts (fork), so that no earlier run counts:
// loads a checkpoint into a solution's week 2 model and sends back the peak resident
// memory (process.resourceUsage().maxRSS) before and after.
//
//   load-peak-rss.ts <solution> <checkpoint dir>   ->  process.send({ baseline, peak }) in bytes
import { load } from "@tiny-llm/loader";

import { loadSolution, type SolutionName } from "../solution";

/** What the child sends: peak RSS in bytes after the imports (baseline) and after loading (peak). */
export interface LoadPeakRss {
  baseline: number;
  peak: number;
}

async function main(): Promise<void> {
  const [solution, dir] = process.argv.slice(2);
  const impl = await loadSolution(solution as SolutionName);
  const baseline = process.resourceUsage().maxRSS * 1024; // KiB on Linux and macOS
  const loaded = load(dir);
  new impl.Qwen2ModelWeek2!(loaded);
  loaded.weights.close();
  const msg: LoadPeakRss = { baseline, peak: process.resourceUsage().maxRSS * 1024 };
  process.send!(msg);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
