// Build settings shared by the array core and every extension built against it, read
// by binding.gyp files through command expansion, e.g. in an extension's targets:
//
//   "include_dirs": ["<!(node -p \"require('@tiny-llm/array/native/extension').include_dir\")", ...],
//   "sources": ["src/addon.cc", "<!@(node -p \"require('@tiny-llm/array/native/extension').sources.join(' ')\")"],
//   "cflags_cc": ["<!@(node -p \"require('@tiny-llm/array/native/extension').cflags_cc.join(' ')\")"],
//
// The compile flags live here once, for gyp's make build (cflags_cc: Linux) and its
// Xcode build (xcode_cflags: macOS) alike: each machine's build uses the SIMD it has
// (-march=native on x86: AVX2+FMA, AVX-512; -mcpu=native on arm64: NEON, dot-product),
// unless TINY_LLM_CPU_FLAGS names the target CPU instead (a cross build: the arm64 build
// of scripts/arm64.mjs sets "-mcpu=apple-m1").
//
// Where a package's addon is built, and loaded from, is written here too (release_dir).
const path = require("path");

/**
 * Where a build names its target CPU: TINY_LLM_CPU_FLAGS (space-separated) or this machine
 * (-mcpu on arm64, as GCC and clang advise there; -march on x86-64, where Apple's clang
 * rejects -mcpu).
 */
function cpuFlags() {
  const env = (process.env.TINY_LLM_CPU_FLAGS ?? "").trim();
  if (env !== "") return env.split(/\s+/);
  return [process.arch === "arm64" ? "-mcpu=native" : "-march=native"];
}

// Optimisation and float semantics, the same on every platform.
const common = ["-O3", ...cpuFlags(), "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math"];

/**
 * The folder of a package's built addon (`nativeDir`: the package's native/ folder):
 * native/build/Release, node-gyp's own; or, when TINY_LLM_NATIVE_BUILD names a second
 * build of the same sources (`arm64`: the cross build that CI tests under qemu),
 * native/build-<name>/build/Release, so that the two never overwrite each other.
 */
function release_dir(nativeDir, name = process.env.TINY_LLM_NATIVE_BUILD) {
  if (name === undefined || name === "") return path.join(nativeDir, "build", "Release");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new Error(`TINY_LLM_NATIVE_BUILD="${name}": expected a build name of lower-case letters, digits and dashes, like arm64`);
  }
  return path.join(nativeDir, `build-${name}`, "build", "Release");
}

module.exports = {
  /** The public headers: #include "tiny-llm/dtype.h", "tiny-llm/thread_pool.h", ... */
  include_dir: path.join(__dirname, "include"),
  /**
   * Sources an extension compiles in: the core link, and the dtype conversion loops
   * (stateless). Relative to the working directory (gyp runs commands in the gyp
   * file's folder), as gyp's make generator wants them.
   */
  sources: [path.join(__dirname, "ext", "core_link.cc"), path.join(__dirname, "src", "dtype.cc")].map((p) => path.relative(process.cwd(), p)),
  /** Every header and source above, for up-to-date checks. */
  inputs: [path.join(__dirname, "include", "tiny-llm"), path.join(__dirname, "ext"), path.join(__dirname, "src", "dtype.cc"), __filename],
  /** Compile flags of the make build (Linux). */
  cflags_cc: ["-std=c++17", ...common, "-pthread"],
  /** The same for Xcode's OTHER_CPLUSPLUSFLAGS (macOS; the C++ standard is CLANG_CXX_LANGUAGE_STANDARD there). */
  xcode_cflags: common,
  release_dir,
};
