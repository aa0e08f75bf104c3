/// <reference types="@webgpu/types" />
// Loading Dawn, Google's WebGPU implementation, as the npm package `webgpu` ships it
// (a prebuilt dawn.node per platform). The package's own entry is an ES module that
// only wraps this addon, so the addon is required directly: it works from CommonJS
// and under jest alike. TINY_LLM_DAWN_NODE names another dawn.node (a machine that
// carries only the addon, not node_modules).
import * as path from "node:path";

/** The two exports of dawn.node: `create(flags)` gives a navigator.gpu; `globals` holds GPUBufferUsage and friends. */
export interface Dawn {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: Dawn | undefined;

/** The dawn.node addon, loaded on first use. */
export function loadDawn(): Dawn {
  if (dawn !== undefined) return dawn;
  let file = process.env.TINY_LLM_DAWN_NODE;
  if (file === undefined) {
    const arch = process.platform === "darwin" ? "universal" : process.arch;
    file = path.join(path.dirname(require.resolve("webgpu/package.json")), "dist", `${process.platform}-${arch}`, "dawn.node");
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dawn = require(file) as Dawn;
  } catch (e) {
    throw new Error(`gpu: cannot load Dawn's WebGPU addon ${file} (${(e as Error).message}); the npm package \`webgpu\` ships it for linux-x64, linux-arm64, darwin and win32`);
  }
  return dawn;
}
