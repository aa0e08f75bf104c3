// Builds a package's C++ addon with node-gyp (<package>/native/binding.gyp ->
// native/build/Release): the array core itself (`node scripts/build-native.js`, its
// turbo `build`) and the kernel extensions, whose own build scripts call buildNative.
//
// TINY_LLM_NATIVE_BUILD=<name> builds the same sources a second time, into
// native/build-<name>/ (extension.js release_dir): node-gyp always builds into a
// build/ folder beside the binding.gyp it reads, so native/build-<name>/binding.gyp is
// written to include ../binding.gyp, and node-gyp runs there. The compiler and target
// come from the environment (CXX, npm_config_arch, TINY_LLM_CPU_FLAGS): scripts/arm64.mjs
// sets them for the arm64 cross build.
//
// The gyp file lives in native/, not in the package root, because pnpm runs `node-gyp
// rebuild` on its own for any package with a root binding.gyp, in parallel with the
// root's turbo build; here each package's turbo `build` does it, in dependency order.
// node-gyp would download Node's headers from nodejs.org; when the running Node ships
// its headers (distribution packages and the official tarballs do: <prefix>/include/node),
// point node-gyp at them instead so that `pnpm install` works offline.
//
// --if-changed: do nothing (in milliseconds) when the built addon is newer than every
// input (everything in native/ but build/, the array core's headers and shared sources,
// and any `inputs` the caller names, such as sources another package lends); otherwise
// build incrementally (`node-gyp build`: make recompiles what changed), configuring
// first only when binding.gyp changed.
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const shared = require("../native/extension.js");

/** Newest modification time (ms) under `p` (a file or a folder, recursively); 0 if missing. */
function newest(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  return fs.readdirSync(p).reduce((m, name) => Math.max(m, newest(path.join(p, name))), st.mtimeMs);
}

/** Oldest .node file in the build's Release folder (0 when none is built). */
function builtTime(nativeDir) {
  const dir = shared.release_dir(nativeDir);
  const addons = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".node")) : [];
  return addons.length === 0 ? 0 : Math.min(...addons.map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
}

function nodeGyp(command, cwd) {
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  const args = [command];
  if (command !== "build" && !process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))) {
    args.push(`--nodedir=${prefix}`);
  }
  const gyp = require.resolve("node-gyp/bin/node-gyp.js");
  return spawnSync(process.execPath, [gyp, ...args], { stdio: "inherit", cwd }).status;
}

/**
 * Builds `packageDir`/native with node-gyp; exits the process on failure with a hint
 * naming `label`. With `ifChanged`, skips an up-to-date addon and rebuilds incrementally;
 * `inputs` are files or folders outside native/ that the build also reads.
 */
function buildNative(packageDir, label, { ifChanged = false, inputs: extra = [] } = {}) {
  const nativeDir = path.join(packageDir, "native");
  const gypDir = gypFolder(nativeDir);
  let command = "rebuild";
  if (ifChanged) {
    const gypFile = path.join(nativeDir, "binding.gyp");
    const own = fs.readdirSync(nativeDir).filter((name) => !isBuildOutput(name)).map((name) => path.join(nativeDir, name));
    const inputs = [...own, ...shared.inputs, ...extra];
    const built = builtTime(nativeDir);
    if (built > 0 && inputs.every((p) => newest(p) <= built)) return;
    const configured = newest(path.join(gypDir, "build", "Makefile"));
    if (configured > 0 && newest(gypFile) <= configured && built > 0) command = "build";
  }
  const status = nodeGyp(command, gypDir);
  if (status !== 0) {
    console.error(
      `\n${label}: building the C++ addon failed (the compiler's messages are above). It needs a C++17 compiler (g++ or clang), make and python3.\n` +
        "On Debian/Ubuntu: sudo apt-get install -y g++ make python3; on macOS: xcode-select --install.",
    );
    process.exit(status ?? 1);
  }
}

/** Build folders (build/, build-<name>/): outputs, not inputs. */
function isBuildOutput(name) {
  return name === "build" || name.startsWith("build-");
}

/**
 * The folder node-gyp runs in: native/ itself, or for a named build (TINY_LLM_NATIVE_BUILD)
 * native/build-<name>/, holding a binding.gyp that includes the package's own. The
 * variable native_dir tells the array core's binding.gyp where extension.js is (gyp runs
 * its commands in the including file's folder).
 */
function gypFolder(nativeDir) {
  const release = shared.release_dir(nativeDir);
  if (release === path.join(nativeDir, "build", "Release")) return nativeDir;
  const dir = path.dirname(path.dirname(release));
  fs.mkdirSync(dir, { recursive: true });
  const gyp = { variables: { native_dir: ".." }, includes: ["../binding.gyp"] };
  const text = `# Written by scripts/build-native.js (a second build of ../binding.gyp; see TINY_LLM_NATIVE_BUILD).\n${JSON.stringify(gyp, null, 2)}\n`;
  const file = path.join(dir, "binding.gyp");
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) fs.writeFileSync(file, text);
  return dir;
}

module.exports = { buildNative };

if (require.main === module) {
  buildNative(path.join(__dirname, ".."), "@tiny-llm/array", { ifChanged: process.argv.includes("--if-changed") });
}
