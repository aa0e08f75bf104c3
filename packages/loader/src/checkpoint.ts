// The weights of a checkpoint folder, over however many safetensors files hold them:
//   model.safetensors.index.json   {"weight_map": {"<tensor>": "<shard file>", ...}}
//   model.safetensors              one file (most small models, mlx-community)
//   *.safetensors                  any others, when there is neither
import * as fs from "node:fs";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { LoaderError } from "./errors";
import { isJsonObject, readJsonObject } from "./json-file";
import { openSafetensors, SafetensorsFile, TensorInfo } from "./safetensors";

const INDEX_FILE = "model.safetensors.index.json";
const SINGLE_FILE = "model.safetensors";

/** Where a tensor lives, with what its file's header says about it. */
export interface CheckpointTensorInfo extends TensorInfo {
  /** The safetensors file (full path). */
  file: string;
}

/** Tensor name -> shard file name, from the index. */
function readWeightMap(indexFile: string): Map<string, string> {
  const map = readJsonObject(indexFile).weight_map;
  if (!isJsonObject(map)) throw new LoaderError(`${indexFile} has no "weight_map" object (tensor name -> file name); download it again`);
  const out = new Map<string, string>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\")) {
      throw new LoaderError(`${indexFile}: tensor "${name}" maps to ${JSON.stringify(shard)}, expected a file name in the same folder; download it again`);
    }
    out.set(name, shard);
  }
  return out;
}

/**
 * The weights of a checkpoint folder. Opening reads and checks only the headers;
 * `get` reads one tensor from disk each time it is called. Close it when done.
 */
export class Checkpoint {
  private readonly where = new Map<string, SafetensorsFile>();
  private bytesRead = 0;
  private bytesInAll: number | null = null;
  /**
   * Called after each `get` with the bytes read so far and the bytes of every tensor:
   * how a caller shows the progress of building a model from the checkpoint.
   */
  onRead: ((bytesRead: number, totalBytes: number) => void) | null = null;
  /**
   * Where `get` puts each tensor: "cpu" (the default), or a device such as "gpu", where
   * the tensor is read into CPU memory, copied to the device and its CPU copy released at
   * once, so that a model is moved one tensor at a time, never held twice.
   */
  device: mx.Device = "cpu";

  private constructor(
    /** The checkpoint folder. */
    readonly dir: string,
    /** The open safetensors files. */
    readonly files: readonly SafetensorsFile[],
  ) {}

  /**
   * Opens the weights in `dir`: the shards that model.safetensors.index.json names,
   * else model.safetensors, else every *.safetensors file. Throws LoaderError for a
   * missing shard, a tensor the index places in a file that lacks it, a tensor in two
   * files, or a damaged file.
   */
  static open(dir: string): Checkpoint {
    const indexFile = path.join(dir, INDEX_FILE);
    const opened: SafetensorsFile[] = [];
    const open = (name: string) => {
      const f = openSafetensors(path.join(dir, name));
      opened.push(f);
      return f;
    };
    try {
      if (fs.existsSync(indexFile)) {
        const weightMap = readWeightMap(indexFile);
        const shards = new Map<string, SafetensorsFile>();
        for (const shard of new Set(weightMap.values())) {
          if (!fs.existsSync(path.join(dir, shard))) {
            throw new LoaderError(`${indexFile} names shard ${shard}, which is not in ${dir}; the download is incomplete: download the model again`);
          }
          shards.set(shard, open(shard));
        }
        const ckpt = new Checkpoint(dir, opened);
        for (const [name, shard] of weightMap) {
          const f = shards.get(shard)!;
          if (!f.has(name)) throw new LoaderError(`${indexFile} places tensor "${name}" in ${shard}, but that file has no such tensor; the files do not match: download the model again`);
          ckpt.where.set(name, f);
        }
        return ckpt;
      }
      const names = fs.existsSync(path.join(dir, SINGLE_FILE))
        ? [SINGLE_FILE]
        : fs.readdirSync(dir).filter((n) => n.endsWith(".safetensors")).sort();
      if (names.length === 0) {
        throw new LoaderError(`${dir} has no weights: expected ${SINGLE_FILE}, or ${INDEX_FILE} and its shards; download the model's *.safetensors files`);
      }
      const ckpt = new Checkpoint(dir, names.map(open));
      for (const f of ckpt.files) {
        for (const name of f.names()) {
          const other = ckpt.where.get(name);
          if (other) throw new LoaderError(`tensor "${name}" is in both ${other.file} and ${f.file}; keep only one copy of the weights in ${dir}`);
          ckpt.where.set(name, f);
        }
      }
      return ckpt;
    } catch (e) {
      for (const f of opened) f.close();
      throw e;
    }
  }

  /** Every tensor name, in file order. */
  names(): string[] {
    return [...this.where.keys()];
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  /** Dtype, shape and file of `name`, without reading it. */
  info(name: string): CheckpointTensorInfo {
    const f = this.fileOf(name);
    return { ...f.info(name), file: f.file };
  }

  /** Reads tensor `name` from disk (see SafetensorsFile.readTensor) onto `device`. */
  get(name: string): mx.array {
    const f = this.fileOf(name);
    const tensor = f.readTensor(name);
    if (this.onRead !== null) {
      const { begin, end } = f.info(name);
      this.bytesRead += end - begin;
      this.onRead(this.bytesRead, (this.bytesInAll ??= this.totalBytes()));
    }
    if (this.device === "cpu") return tensor;
    const moved = tensor.toDevice(this.device);
    mx.dispose(tensor);
    return moved;
  }

  /** The bytes of every tensor's data (the files less their headers). */
  totalBytes(): number {
    return this.names().reduce((n, name) => {
      const { begin, end } = this.where.get(name)!.info(name);
      return n + end - begin;
    }, 0);
  }

  /** The union of the files' `__metadata__` (e.g. {"format": "mlx"}). */
  metadata(): Record<string, string> {
    return Object.assign({}, ...this.files.map((f) => f.metadata));
  }

  /** Closes every file. */
  close(): void {
    for (const f of this.files) f.close();
  }

  private fileOf(name: string): SafetensorsFile {
    const f = this.where.get(name);
    if (f === undefined) {
      throw new LoaderError(`the checkpoint in ${this.dir} has no tensor "${name}" (it has ${this.where.size}, e.g. "${this.names()[0] ?? "none"}"); check the name against the checkpoint's`);
    }
    return f;
  }
}

/** Opens the weights of the checkpoint folder `dir` (see Checkpoint.open). */
export function openCheckpoint(dir: string): Checkpoint {
  return Checkpoint.open(dir);
}
