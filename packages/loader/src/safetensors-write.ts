// Writing safetensors files: for the tiny-model generator and for tests (which make
// sharded and damaged checkpoints from what this writes).
import * as fs from "node:fs";
import * as mx from "@tiny-llm/array";
import { LoaderError } from "./errors";
import { safetensorsDtype } from "./safetensors-format";

/**
 * Writes `tensors` (in key order) and optional string `metadata` to `file` as
 * safetensors. The header is padded with spaces to a multiple of 8 bytes, so that
 * the data starts aligned. The file appears whole or not at all: it is written to
 * `<file>.tmp-<pid>` and then renamed.
 */
export function writeSafetensors(file: string, tensors: Record<string, mx.array>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    const bad = Object.entries(metadata).find(([, v]) => typeof v !== "string");
    if (bad) throw new LoaderError(`writeSafetensors ${file}: metadata "${bad[0]}" is ${typeof bad[1]}, expected a string (the format stores only strings)`);
    header.__metadata__ = metadata;
  }
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new LoaderError(`writeSafetensors ${file}: "__metadata__" is reserved by the format and cannot name a tensor`);
    const c = mx.contiguous(a);
    datas.push(c.hostBytes());
    header[name] = { dtype: safetensorsDtype(c.dtype), shape: [...c.shape], data_offsets: [offset, offset + c.nbytes] };
    offset += c.nbytes;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));

  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w");
  try {
    for (const chunk of [length, headerBytes, ...datas]) {
      let done = 0;
      while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done);
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.closeSync(fd); } catch { /* already closed */ }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
