// node-llama-cpp, fetched on first use of `pnpm bench --part llama` into a cache folder
// outside the repository, rather than a dependency every learner's `pnpm install` carries
// (~85 MB; its default install also pulls CUDA and Vulkan builds of several hundred MB).
//
// Only prebuilt llama.cpp binaries are used: the npm package of this platform
// (@node-llama-cpp/linux-x64, ...) is installed explicitly with optional dependencies
// omitted, install scripts are off (its postinstall would download llama.cpp's source
// from GitHub and build it when no prebuilt binary fits), and the bench loads it with
// build "never" and skipDownload (llama-cpp.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The version the anchors in design.md ("Performance") were measured with. */
export const NODE_LLAMA_CPP_VERSION = "3.21.1";

/** The cache folder: $TINY_LLM_CACHE_DIR or ~/.cache/tiny-llm, then node-llama-cpp-<version>. */
export function nodeLlamaCppDir(): string {
  const root = process.env.TINY_LLM_CACHE_DIR || path.join(os.homedir(), ".cache", "tiny-llm");
  return path.join(root, `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}`);
}

/** The npm package holding this platform's prebuilt CPU binaries, or null where none is published. */
export function prebuiltPackage(): string | null {
  const { platform, arch } = process;
  if (platform === "linux" && ["x64", "arm64", "riscv64"].includes(arch)) return `@node-llama-cpp/linux-${arch}`;
  if (platform === "linux" && arch === "arm") return "@node-llama-cpp/linux-armv7l";
  if (platform === "darwin" && arch === "arm64") return "@node-llama-cpp/mac-arm64-metal";
  if (platform === "darwin" && arch === "x64") return "@node-llama-cpp/mac-x64";
  if (platform === "win32" && ["x64", "arm64"].includes(arch)) return `@node-llama-cpp/win-${arch}`;
  return null;
}

/** Written last by a finished install, so an interrupted one is redone. */
const MARKER = ".installed";

/**
 * The path of node-llama-cpp's ESM entry (dist/index.js), installing it first if the
 * cache folder does not hold it. Throws a one-line error when that is impossible.
 */
export function ensureNodeLlamaCpp(log: (line: string) => void): string {
  const dir = nodeLlamaCppDir();
  const entry = path.join(dir, "node_modules", "node-llama-cpp", "dist", "index.js");
  if (fs.existsSync(path.join(dir, MARKER)) && fs.existsSync(entry)) return entry;
  const prebuilt = prebuiltPackage();
  if (!prebuilt) throw new Error(`node-llama-cpp publishes no prebuilt llama.cpp binary for ${process.platform}-${process.arch}`);
  fs.mkdirSync(dir, { recursive: true });
  const pkgs = [`node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`, `${prebuilt}@${NODE_LLAMA_CPP_VERSION}`];
  log(`installing ${pkgs.join(" and ")} into ${dir} (first use of --part llama; about 85 MB from the npm registry)`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const args = ["install", "--prefix", dir, "--no-save", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", ...pkgs];
  const res = spawnSync(npm, args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true", NODE_LLAMA_CPP_POSTINSTALL: "skip" },
  });
  if (res.error) throw new Error(`could not run npm to install node-llama-cpp: ${res.error.message}`);
  if (res.status !== 0 || !fs.existsSync(entry)) throw new Error(`\`npm ${args.join(" ")}\` failed (exit ${res.status}); see npm's output above`);
  fs.writeFileSync(path.join(dir, MARKER), `${pkgs.join(" ")}\n`);
  return entry;
}
