// The package's build step (`node dist/make-tiny-model.js`, run by `pnpm install`):
// makes models/qwen2-tiny and models/qwen2-tiny-4bit unless they are up to date.
//
// pnpm runs @tiny-llm/array's `install` script (node-gyp: the C++ core) at the same
// time as the root `postinstall` (turbo run build, which runs this), so on a fresh
// clone the native addon may not exist yet, or be mid-rebuild. Generating needs it
// (astype, writeSafetensors), so wait for it to load, checking first in a child process
// (a half-written .node file must not crash this one).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type * as TinyModel from "./tiny-model";

const WAIT_LIMIT_MS = 15 * 60 * 1000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The tiny-model module, once @tiny-llm/array's native core loads. */
function loadGenerator(): typeof TinyModel {
  const start = Date.now();
  let said = false;
  for (;;) {
    const probe = spawnSync(process.execPath, ["-e", 'require("@tiny-llm/array")'], { cwd: __dirname, encoding: "utf8" });
    if (probe.status === 0) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require("./tiny-model") as typeof TinyModel;
      } catch (e) {
        if (Date.now() - start > WAIT_LIMIT_MS) throw e;
      }
    } else if (Date.now() - start > WAIT_LIMIT_MS) {
      throw new Error(`tiny-model: @tiny-llm/array did not load after ${WAIT_LIMIT_MS / 60000} minutes:\n${probe.stderr}`);
    }
    if (!said) {
      console.log("tiny-model: waiting for @tiny-llm/array's native core (pnpm builds it in parallel) ...");
      said = true;
    }
    sleep(2000);
  }
}

const { ensureTinyModels } = loadGenerator();
const start = performance.now();
const { generated, upToDate } = ensureTinyModels();
const rel = (dirs: string[]) => dirs.map((d) => path.relative(process.cwd(), d)).join(", ");
if (generated.length > 0) console.log(`tiny-model: wrote ${rel(generated)} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
if (upToDate.length > 0) console.log(`tiny-model: ${rel(upToDate)} up to date`);
