// The package's build step (`node dist/make-tiny-model.js`, run by `pnpm install`
// through turbo after @tiny-llm/array's build, which compiles the C++ core): makes
// models/qwen2-tiny and models/qwen2-tiny-4bit unless they are up to date.
import * as path from "node:path";
import { ensureTinyModels } from "./tiny-model";

const start = performance.now();
const { generated, upToDate } = ensureTinyModels();
const rel = (dirs: string[]) => dirs.map((d) => path.relative(process.cwd(), d)).join(", ");
if (generated.length > 0) console.log(`tiny-model: wrote ${rel(generated)} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
if (upToDate.length > 0) console.log(`tiny-model: ${rel(upToDate)} up to date`);
