// Every C++ source of the native packages compiles without a warning under clang's -Wall
// -Wextra (node-gyp's warning flags) for x86-64 with AVX2, and the kernels (whose AVX-512
// paths are the only ones) with AVX-512 too: what Apple's clang builds on an Intel Mac. (The arm64 build, for Apple Silicon, is built with
// -Werror by the arm64 stage: `pnpm test-arm64`.) Clang's warnings all come from its
// front end, so -fsyntax-only finds them without generating code.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const PACKAGES = path.join(ROOT, "packages");
const SOURCE_DIRS = [
  "array/native/src",
  "array/native/ext",
  "tiny-llm-ext-ref/native/src",
  "tiny-llm-ext-ref/native/bindings",
  "tiny-llm-ext/native/src",
].map((d) => path.join(PACKAGES, d));
const NODE_HEADERS = path.resolve(path.dirname(process.execPath), "..", "include", "node");
const ADDON_API = path.dirname(require.resolve("node-addon-api/package.json", { paths: [path.join(PACKAGES, "array")] }));
const FLAGS = [
  "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror",
  "-DNAPI_VERSION=8", "-DNAPI_DISABLE_CPP_EXCEPTIONS",
  "-I", path.join(PACKAGES, "array", "native", "include"),
  "-I", path.join(PACKAGES, "tiny-llm-ext-ref", "native", "src"),
  "-I", path.join(PACKAGES, "tiny-llm-ext-ref", "native", "bindings"),
  "-I", NODE_HEADERS, "-I", ADDON_API,
];

const sourcesIn = (dirs: string[]) => dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith(".cc")).map((f) => path.join(d, f)));
const sources = sourcesIn(SOURCE_DIRS);
// The only sources with AVX-512 paths (qmm_simd.h, qmm_int_simd.h, flash_attention_product.h) and AMX's (qmm_amx.h).
const avx512Sources = sourcesIn([path.join(PACKAGES, "tiny-llm-ext-ref", "native", "src")]);
const hasClang = spawnSync("clang++", ["--version"]).status === 0;

/** Compiles `files` with `march`; returns clang's messages per file that failed. */
function warnings(files: string[], march: string[]): string[] {
  return files.flatMap((file) => {
    const r = spawnSync("clang++", [...FLAGS, ...march, file], { encoding: "utf8" });
    return r.status === 0 ? [] : [`${path.relative(ROOT, file)}:\n${r.stderr}`];
  });
}

const cases: [string, string[], string[]][] = [
  ["every native source, x86-64 AVX2+FMA (-march=haswell)", sources, ["-march=haswell"]],
  ["the kernels, x86-64 AVX-512 with VNNI and BF16 (-march=cooperlake)", avx512Sources, ["-march=cooperlake"]],
  ["the kernels, x86-64 AVX-512 with AMX (-march=sapphirerapids)", avx512Sources, ["-march=sapphirerapids"]],
];
for (const [name, files, march] of cases) {
  (hasClang ? test : test.skip)(`clang -Wall -Wextra finds nothing in ${name}${hasClang ? "" : " (skipped: no clang++ installed)"}`, () => {
    expect(fs.existsSync(path.join(NODE_HEADERS, "node_api.h"))).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(warnings(files, march)).toEqual([]);
  }, 180_000);
}
