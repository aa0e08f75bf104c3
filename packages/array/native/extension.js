// Build settings shared by the array core and every extension built against it, read
// by binding.gyp files through command expansion, e.g. in an extension's targets:
//
//   "include_dirs": ["<!(node -p \"require('@tiny-llm/array/native/extension').include_dir\")", ...],
//   "sources": ["src/addon.cc", "<!@(node -p \"require('@tiny-llm/array/native/extension').sources.join(' ')\")"],
//   "cflags_cc": ["<!@(node -p \"require('@tiny-llm/array/native/extension').cflags_cc.join(' ')\")"],
//
// The compile flags live here once: -march=native (-mcpu=native on macOS) so that each
// machine's build uses the SIMD it has (AVX2+FMA, AVX-512, NEON and dot-product).
const path = require("path");

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
  cflags_cc: ["-std=c++17", "-O3", "-march=native", "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math", "-pthread"],
  xcode_cflags: ["-O3", "-mcpu=native", "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math"],
};
