// Finding a model: a folder on disk, or a Hugging Face id (`org/name`) already in the
// local Hugging Face cache. Nothing is ever downloaded here.
//
// The cache layout (what `hf download`, formerly `huggingface-cli download`, writes):
//   <hub cache>/models--Qwen--Qwen2-0.5B-Instruct-MLX/
//     refs/main                 the commit hash of the snapshot that "main" names
//     snapshots/<commit>/...    the files, as symlinks into ../../blobs
//     blobs/<sha256>            the file contents
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LoaderError } from "./errors";

/** `org/name`, as Hugging Face spells repository ids. */
const HF_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+$/;

/** The file whose presence makes a folder a checkpoint. */
const CONFIG_FILE = "config.json";

/** `~/x` -> `<home>/x`, as shells and huggingface_hub do. */
function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

/**
 * The Hugging Face hub cache folder, as huggingface_hub chooses it: `$HF_HUB_CACHE`
 * (or its older name `$HUGGINGFACE_HUB_CACHE`), else `$HF_HOME/hub`, else
 * `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 */
export function hfHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return expandHome(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return expandHome(env.HUGGINGFACE_HUB_CACHE);
  if (env.HF_HOME) return path.join(expandHome(env.HF_HOME), "hub");
  const cacheHome = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
  return path.join(cacheHome, "huggingface", "hub");
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The snapshot folder of a cached repository: the one `refs/main` names, else (no ref,
 * or it names a snapshot that is not there) the most recently modified one; null if
 * there is none.
 */
function findSnapshot(repoDir: string): string | null {
  const snapshots = path.join(repoDir, "snapshots");
  const ref = path.join(repoDir, "refs", "main");
  if (fs.existsSync(ref)) {
    const rev = fs.readFileSync(ref, "utf8").trim();
    if (rev && isDir(path.join(snapshots, rev))) return path.join(snapshots, rev);
  }
  if (!isDir(snapshots)) return null;
  let best: string | null = null;
  let bestTime = -Infinity;
  for (const name of fs.readdirSync(snapshots)) {
    const p = path.join(snapshots, name);
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory() && st.mtimeMs > bestTime) {
      best = p;
      bestTime = st.mtimeMs;
    }
  }
  return best;
}

/** Throws unless `dir` holds a readable config.json. */
function checkCheckpointFolder(dir: string, what: string, fix: string): void {
  const config = path.join(dir, CONFIG_FILE);
  if (fs.existsSync(config)) return; // follows symlinks: a cache link must reach its blob
  const brokenLink = fs.lstatSync(config, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  const why = brokenLink ? `its ${CONFIG_FILE} is a broken link` : `no ${CONFIG_FILE}`;
  throw new LoaderError(`${what} (${dir}) is not a model checkpoint: ${why}; ${fix}`);
}

/**
 * The folder of a model: `idOrPath` itself when it is an existing folder (absolute,
 * relative or `~/...`), else the snapshot of the Hugging Face id `org/name` in the
 * local hub cache (see hfHubCacheDir). The folder must hold a config.json.
 * Throws LoaderError, saying how to download the model, when it is not found.
 */
export function resolveModelPath(idOrPath: string): string {
  const local = expandHome(idOrPath);
  const st = fs.statSync(local, { throwIfNoEntry: false });
  if (st) {
    const dir = path.resolve(local);
    if (!st.isDirectory()) {
      throw new LoaderError(`model path ${dir} is a file, expected a folder: pass the folder that holds config.json and the *.safetensors weights`);
    }
    checkCheckpointFolder(dir, `model folder "${idOrPath}"`, "pass the folder that holds config.json, the *.safetensors weights and the tokenizer files");
    return dir;
  }
  const download = `download it with: hf download ${idOrPath} (hf comes with the Python package huggingface_hub: pip install -U huggingface_hub; before its 1.0 the command was huggingface-cli download)`;
  if (!HF_ID.test(idOrPath)) {
    throw new LoaderError(`model "${idOrPath}" not found: no such folder (${path.resolve(local)}), and not a Hugging Face id like Qwen/Qwen2-0.5B-Instruct-MLX; pass an existing folder or an org/name id`);
  }
  const cache = hfHubCacheDir();
  const repoDir = path.join(cache, `models--${idOrPath.replace("/", "--")}`);
  const snapshot = isDir(repoDir) ? findSnapshot(repoDir) : null;
  if (snapshot === null) {
    const where = isDir(repoDir) ? `${repoDir} has no snapshot` : `searched ${cache}`;
    throw new LoaderError(`model "${idOrPath}" not found: not a folder, and not in the Hugging Face cache (${where}); ${download}`);
  }
  checkCheckpointFolder(snapshot, `cached model "${idOrPath}"`, `the download is incomplete: ${download}`);
  return snapshot;
}
