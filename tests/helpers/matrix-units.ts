// Whether this machine's GPU can run float16 activations on matrix units (week 2, day 3,
// task 4: subgroup matrices, which lavapipe lacks), known while jest collects a file's
// tests, so that the file defines the tests this GPU can run. Collection is synchronous
// and mx.gpu.init() is not, so a child Node process asks the GPU, through the built
// packages (dist/, made at `pnpm install`).
import { execFileSync } from "node:child_process";
import * as path from "node:path";

export type MatrixUnits = { subgroupSize: number } | { missing: string };

const ASK = `
require("@tiny-llm/array").gpu.init().then(
  () => process.stdout.write(JSON.stringify(require("./dist").f16MatrixUnits())),
  (e) => process.stdout.write(JSON.stringify({ missing: "a GPU (" + e.message.split("\\n")[0] + ")" })),
).then(() => process.exit(0));
`;

/** f16MatrixUnits() of tiny-llm-ext-ref on this machine's GPU. */
export function f16MatrixUnitsSync(): MatrixUnits {
  const cwd = path.join(__dirname, "..", "..", "packages", "tiny-llm-ext-ref");
  return JSON.parse(execFileSync(process.execPath, ["-e", ASK], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as MatrixUnits;
}
