// Finding a model: a folder (absolute or relative), or a Hugging Face id in the local
// hub cache, laid out as huggingface-cli leaves it (snapshot files are symlinks into
// ../../blobs).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { hfHubCacheDir, openCheckpoint, readModelConfig, resolveModelPath, writeSafetensors } from "@tiny-llm/loader";
import { loaderError, QWEN2_0_5B_CONFIG, useTmpDirs, writeJson } from "./helpers";

const HF_VARS = ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"];
const ID = "Qwen/Qwen2-0.5B-Instruct-MLX";

/**
 * Builds the cache entry of `id` under `cache`: a blob per file, each snapshot's files
 * as relative symlinks to the blobs, and refs/main if `main` is given.
 */
function cacheModel(cache: string, id: string, snapshots: Record<string, Record<string, string | Buffer>>, main?: string): string {
  const repo = path.join(cache, `models--${id.replace("/", "--")}`);
  fs.mkdirSync(path.join(repo, "blobs"), { recursive: true });
  for (const [rev, files] of Object.entries(snapshots)) {
    const snap = path.join(repo, "snapshots", rev);
    fs.mkdirSync(snap, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      const blob = `${rev}-${name.replace(/\W/g, "_")}`; // stands in for the sha256
      fs.writeFileSync(path.join(repo, "blobs", blob), content);
      fs.symlinkSync(path.join("..", "..", "blobs", blob), path.join(snap, name));
    }
  }
  if (main !== undefined) {
    fs.mkdirSync(path.join(repo, "refs"), { recursive: true });
    fs.writeFileSync(path.join(repo, "refs", "main"), main);
  }
  return repo;
}

describe("loader_model_path", () => {
  const tmp = useTmpDirs();
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const v of HF_VARS) {
      saved[v] = process.env[v];
      delete process.env[v];
    }
  });
  afterEach(() => {
    for (const v of HF_VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
  });

  /** A folder holding a config.json. */
  function modelFolder(): string {
    const dir = tmp();
    writeJson(dir, "config.json", QWEN2_0_5B_CONFIG);
    return dir;
  }

  it("loader_model_path_absolute_and_relative_folder", () => {
    const dir = modelFolder();
    expect(resolveModelPath(dir)).toBe(dir);
    expect(resolveModelPath(path.relative(process.cwd(), dir))).toBe(dir);
    expect(resolveModelPath(dir + "/")).toBe(dir);
  });

  it("loader_model_path_local_folder_wins_over_cache", () => {
    // An existing folder that happens to look like org/name is taken as a folder.
    const base = tmp();
    fs.mkdirSync(path.join(base, "Qwen", "local"), { recursive: true });
    writeJson(path.join(base, "Qwen", "local"), "config.json", QWEN2_0_5B_CONFIG);
    process.env.HF_HUB_CACHE = tmp();
    expect(resolveModelPath(path.relative(process.cwd(), path.join(base, "Qwen", "local")))).toBe(path.join(base, "Qwen", "local"));
  });

  it("loader_model_path_folder_without_config", () => {
    const dir = tmp();
    expect(loaderError(() => resolveModelPath(dir))).toMatch(new RegExp(`^model folder "${dir}" \\(${dir}\\) is not a model checkpoint: no config.json; `));
  });

  it("loader_model_path_file_is_not_a_folder", () => {
    const dir = modelFolder();
    const file = path.join(dir, "config.json");
    expect(loaderError(() => resolveModelPath(file))).toContain(`model path ${file} is a file, expected a folder`);
  });

  it("loader_model_path_missing_folder", () => {
    const dir = path.join(tmp(), "no", "such", "model");
    expect(loaderError(() => resolveModelPath(dir))).toContain(`model "${dir}" not found: no such folder (${dir})`);
  });

  it("loader_model_path_not_in_cache", () => {
    const cache = tmp();
    process.env.HF_HUB_CACHE = cache;
    expect(loaderError(() => resolveModelPath(ID))).toBe(
      `model "${ID}" not found: not a folder, and not in the Hugging Face cache (searched ${cache}); download it with: hf download ${ID} (hf comes with the Python package huggingface_hub: pip install -U huggingface_hub; before its 1.0 the command was huggingface-cli download)`,
    );
  });

  it("loader_model_path_hf_cache_refs_main", () => {
    const cache = tmp();
    process.env.HF_HUB_CACHE = cache;
    const weights = path.join(tmp(), "w.safetensors");
    writeSafetensors(weights, { "model.norm.weight": mx.array([1, 2], "float32") });
    const repo = cacheModel(cache, ID, {
      abc123: { "config.json": JSON.stringify(QWEN2_0_5B_CONFIG), "model.safetensors": fs.readFileSync(weights) },
      def456: { "config.json": JSON.stringify({ ...QWEN2_0_5B_CONFIG, hidden_size: 1 }) },
    }, "abc123\n");
    // def456 is newer, but refs/main names abc123.
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(repo, "snapshots", "def456"), later, later);
    const dir = resolveModelPath(ID);
    expect(dir).toBe(path.join(repo, "snapshots", "abc123"));
    expect(fs.lstatSync(path.join(dir, "config.json")).isSymbolicLink()).toBe(true);
    // Reading follows the links into blobs/.
    expect(readModelConfig(dir).hiddenSize).toBe(896);
    const ck = openCheckpoint(dir);
    expect(ck.get("model.norm.weight").toArray()).toEqual([1, 2]);
    ck.close();
  });

  it("loader_model_path_hf_cache_newest_snapshot_without_ref", () => {
    const cache = tmp();
    process.env.HF_HUB_CACHE = cache;
    const repo = cacheModel(cache, ID, {
      old1: { "config.json": "{}" },
      new2: { "config.json": "{}" },
      mid3: { "config.json": "{}" },
    });
    const t = Date.now() / 1000;
    fs.utimesSync(path.join(repo, "snapshots", "old1"), t - 300, t - 300);
    fs.utimesSync(path.join(repo, "snapshots", "new2"), t + 300, t + 300);
    fs.utimesSync(path.join(repo, "snapshots", "mid3"), t, t);
    expect(resolveModelPath(ID)).toBe(path.join(repo, "snapshots", "new2"));
    // A ref that names a snapshot that is not there falls back the same way.
    fs.mkdirSync(path.join(repo, "refs"));
    fs.writeFileSync(path.join(repo, "refs", "main"), "gone99");
    expect(resolveModelPath(ID)).toBe(path.join(repo, "snapshots", "new2"));
  });

  it("loader_model_path_hf_cache_without_snapshot", () => {
    const cache = tmp();
    process.env.HF_HUB_CACHE = cache;
    const repo = path.join(cache, "models--Qwen--Qwen2-0.5B-Instruct-MLX");
    fs.mkdirSync(path.join(repo, "blobs"), { recursive: true });
    expect(loaderError(() => resolveModelPath(ID))).toBe(
      `model "${ID}" not found: not a folder, and not in the Hugging Face cache (${repo} has no snapshot); download it with: hf download ${ID} (hf comes with the Python package huggingface_hub: pip install -U huggingface_hub; before its 1.0 the command was huggingface-cli download)`,
    );
  });

  it("loader_model_path_hf_cache_broken_link", () => {
    const cache = tmp();
    process.env.HF_HUB_CACHE = cache;
    const repo = cacheModel(cache, ID, { abc: { "config.json": "{}" } }, "abc");
    for (const blob of fs.readdirSync(path.join(repo, "blobs"))) fs.rmSync(path.join(repo, "blobs", blob));
    const msg = loaderError(() => resolveModelPath(ID));
    expect(msg).toContain(`cached model "${ID}" (${path.join(repo, "snapshots", "abc")}) is not a model checkpoint: its config.json is a broken link`);
    expect(msg).toContain(`hf download ${ID}`);
  });

  it("loader_model_path_hf_home_and_cache_dir_choice", () => {
    const home = tmp();
    process.env.HF_HOME = home;
    expect(hfHubCacheDir()).toBe(path.join(home, "hub"));
    const repo = cacheModel(path.join(home, "hub"), ID, { r1: { "config.json": "{}" } }, "r1");
    expect(resolveModelPath(ID)).toBe(path.join(repo, "snapshots", "r1"));
    // HF_HUB_CACHE beats HF_HOME; the default is ~/.cache/huggingface/hub.
    expect(hfHubCacheDir({ HF_HOME: "/h", HF_HUB_CACHE: "/c" })).toBe("/c");
    expect(hfHubCacheDir({ HF_HOME: "/h" })).toBe(path.join("/h", "hub"));
    expect(hfHubCacheDir({ XDG_CACHE_HOME: "/x" })).toBe(path.join("/x", "huggingface", "hub"));
    expect(hfHubCacheDir({})).toBe(path.join(os.homedir(), ".cache", "huggingface", "hub"));
    expect(hfHubCacheDir({ HF_HOME: "~/hf" })).toBe(path.join(os.homedir(), "hf", "hub"));
  });
});
