// The kernels' SIMD paths that this machine may not be able to run must at least
// compile (the quantized matmul kernels and flash attention): AVX-512 (F, BW, VNNI, BF16: the Zen 5 machines) and AMX (Xeons) with g++, and
// NEON with dot-product (arm64 Macs) with clang or an aarch64 cross g++ when one is
// installed. Each build must also select the path it targets (TL_QMM_SIMD, and on arm64
// TL_QMM_DOT: the dot-product decode kernel where the target has SDOT). The arm64 build
// itself runs under qemu in `pnpm test-arm64`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const SRC = path.join(ROOT, "packages", "tiny-llm-ext-ref", "native", "src");
const BINDINGS = path.join(ROOT, "packages", "tiny-llm-ext-ref", "native", "bindings");
const INCLUDE = path.join(ROOT, "packages", "array", "native", "include");
// The plain C++ kernel files (no N-API): the sources the addon's binding.gyp names.
const GYP = path.join(ROOT, "packages", "tiny-llm-ext-ref", "native", "binding.gyp");
const KERNELS: string[] = JSON.parse(fs.readFileSync(GYP, "utf8")).targets[0].sources.map((s: string) => path.basename(s));
const COMMON = ["-std=c++17", "-O2", "-ffp-contract=fast", "-fno-math-errno", "-I", INCLUDE, "-I", SRC, "-I", BINDINGS];

function has(cmd: string): boolean {
  return spawnSync(cmd, ["--version"]).status === 0;
}

function gxxAccepts(flag: string): boolean {
  return spawnSync("g++", [flag, "-x", "c++", "-E", "-"], { input: "" }).status === 0;
}

/** Compiles every kernel file to an object file; returns the path TL_QMM_SIMD names. */
function compileAll(compiler: string, flags: string[]): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "qmm-simd-"));
  try {
    for (const file of KERNELS) {
      const r = spawnSync(compiler, [...COMMON, ...flags, "-c", path.join(SRC, file), "-o", path.join(out, `${file}.o`)], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${compiler} ${flags.join(" ")} ${file}:\n${r.stderr}`);
    }
    return /#define TL_QMM_SIMD "(\w+)"/.exec(macros(compiler, flags, "qmm_simd.h"))?.[1] ?? "none";
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The macros `header` defines when compiled with `flags`. */
function macros(compiler: string, flags: string[], header: string): string {
  return spawnSync(compiler, [...COMMON, ...flags, "-dM", "-E", "-x", "c++", path.join(SRC, header)], { encoding: "utf8" }).stdout;
}

test("x86 AVX-512 (Zen 5 features) compiles with g++ and selects the avx512 path", () => {
  expect(has("g++")).toBe(true); // the project builds with it
  // g++ 13+ knows znver5 / znver4; g++ 12 gets the same feature set spelled out.
  const flags = gxxAccepts("-march=znver5") ? ["-march=znver5"]
    : gxxAccepts("-march=znver4") ? ["-march=znver4"]
    : ["-march=znver3", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx512bf16"];
  expect(compileAll("g++", flags)).toBe("avx512");
}, 120_000);

test("x86 AMX (Sapphire Rapids Xeons) compiles with g++, selects the avx512 path and the AMX tiles", () => {
  // g++ 11+ knows sapphirerapids: AVX-512 with VNNI and BF16, and AMX's tile, int8 and bf16 parts.
  const flags = ["-march=sapphirerapids"];
  expect(compileAll("g++", flags)).toBe("avx512");
  expect(macros("g++", flags, "qmm_amx.h")).toMatch(/#define TL_QMM_AMX 1/);
  const avx512 = macros("g++", ["-march=x86-64-v4"], "qmm_amx.h"); // AVX-512 without AMX
  expect(avx512).toMatch(/#define __AVX512F__ 1/);
  expect(avx512).not.toMatch(/TL_QMM_AMX/);
}, 120_000);

test("a target without SIMD (x86-64 baseline) compiles and selects the portable path", () => {
  expect(compileAll("g++", ["-march=x86-64"])).toBe("portable");
}, 120_000);

const armCompiler = ["clang++", "aarch64-linux-gnu-g++"].find(has);
const armFlags = armCompiler === "clang++" ? ["--target=aarch64-linux-gnu", "-march=armv8.2-a+dotprod"] : ["-march=armv8.2-a+dotprod"];
(armCompiler ? test : test.skip)(
  `arm64 NEON + dot-product compiles and selects the neon path (${armCompiler ?? "skipped: no clang++ or aarch64-linux-gnu-g++ installed"})`,
  () => {
    expect(compileAll(armCompiler!, armFlags)).toBe("neon");
    expect(macros(armCompiler!, armFlags, "qmm_decode_dot.h")).toMatch(/#define TL_QMM_DOT 1/);
  },
  120_000,
);
(armCompiler ? test : test.skip)(
  `arm64 NEON without dot-product compiles and keeps the float decode path (${armCompiler ?? "skipped: no clang++ or aarch64-linux-gnu-g++ installed"})`,
  () => {
    const flags = [...armFlags.filter((f) => !f.startsWith("-march")), "-march=armv8-a"];
    expect(compileAll(armCompiler!, flags)).toBe("neon");
    expect(macros(armCompiler!, flags, "qmm_decode_dot.h")).not.toMatch(/TL_QMM_DOT/);
  },
  120_000,
);
