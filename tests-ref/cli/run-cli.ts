// `pnpm main` and `pnpm bench` as a user runs them: a child process (node + tsx on
// packages/cli/src/<script>.ts), its exit status and both streams.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
const CLI_DIR = path.join(ROOT, "packages", "cli");
const TSX = path.join(path.dirname(require.resolve("tsx/package.json", { paths: [CLI_DIR] })), "dist", "cli.mjs");

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** What run() may be given besides the arguments. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Where to start (default the repository's root). */
  cwd?: string;
  /** Milliseconds before the process is killed (default 60,000). */
  timeoutMs?: number;
}

/** Runs `script` with `args` from `opts.cwd` (default the repository's root), as if started by hand. */
export function run(script: "main" | "bench", args: string[], opts: RunOptions = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  // As if started by hand, not by `pnpm main` (which makes INIT_CWD the user's folder).
  for (const k of ["npm_lifecycle_event", "INIT_CWD", "TINY_LLM_DEBUG"]) if (!opts.env?.[k]) delete env[k];
  const r = spawnSync(process.execPath, [TSX, path.join(CLI_DIR, "src", `${script}.ts`), ...args], {
    cwd: opts.cwd ?? ROOT, env, encoding: "utf8", timeout: opts.timeoutMs ?? 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `pnpm main` with `args`. */
export const main = (args: string[], opts?: RunOptions): Run => run("main", args, opts);
