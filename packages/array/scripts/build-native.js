// Builds the C++ core with node-gyp (native/binding.gyp -> native/build/Release). The
// gyp file lives in native/, not in the package root, because pnpm runs `node-gyp
// rebuild` on its own for any package with a root binding.gyp, in parallel with the
// root's turbo build; here the package's turbo `build` does it, in dependency order. node-gyp would download Node's headers from
// nodejs.org; when the running Node ships its headers (distribution packages and the
// official tarballs do: <prefix>/include/node), point node-gyp at them instead so
// that `pnpm install` works offline.
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const prefix = path.resolve(path.dirname(process.execPath), "..");
const args = ["rebuild"];
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${prefix}`);
}
const gyp = require.resolve("node-gyp/bin/node-gyp.js");
const r = spawnSync(process.execPath, [gyp, ...args], { stdio: "inherit", cwd: path.join(__dirname, "..", "native") });
if (r.status !== 0) {
  console.error(
    "\n@tiny-llm/array: building the C++ core failed. It needs a C++17 compiler (g++ or clang), make and python3.\n" +
      "On Debian/Ubuntu: sudo apt-get install -y g++ make python3; on macOS: xcode-select --install.",
  );
  process.exit(r.status ?? 1);
}
