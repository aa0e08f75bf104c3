// Reading safetensors files: the header once at open, then each tensor on demand with
// one read at its offset straight into the buffer of a fresh array (no copy, and no
// second pass over the file).
import * as fs from "node:fs";
import * as mx from "@tiny-llm/array";
import { LoaderError } from "./errors";
import { MAX_HEADER_BYTES, parseHeader, READABLE_DTYPES, SAFETENSORS_DTYPES, TensorInfo } from "./safetensors-format";

export type { TensorInfo } from "./safetensors-format";

const redownload = "download it again";

/** Bytes asked of one read: Linux returns at most ~2 GiB per read(2) anyway. */
const MAX_READ = 1 << 30;

/**
 * Fills `into` from the file at `position`; returns the bytes read (fewer only at the
 * end of the file). One readSync, except for short reads and tensors over 1 GiB.
 */
function readFully(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, Math.min(into.length - done, MAX_READ), position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** An open safetensors file: its tensor index, and reads of single tensors. */
export class SafetensorsFile {
  private fd: number | null;

  constructor(
    /** The file's path, as opened. */
    readonly file: string,
    fd: number,
    /** Tensor name -> dtype, shape and byte range, in header order. */
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    /** The header's `__metadata__` (e.g. {"format": "mlx"}); {} if none. */
    readonly metadata: Readonly<Record<string, string>>,
    /** Byte offset of the data section in the file (8 + header length). */
    readonly dataOffset: number,
  ) {
    this.fd = fd;
  }

  /** The tensor names, in header order. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** What the header says about `name`; throws LoaderError if there is no such tensor. */
  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (t === undefined) throw new LoaderError(`${this.file} has no tensor "${name}" (it has ${this.tensors.size}); check the name against the checkpoint's`);
    return t;
  }

  /**
   * Reads tensor `name` into a new contiguous array of its dtype and shape (BF16, F16,
   * F32, I32, U32, U8 and BOOL; others throw). Each call reads the file again: read
   * each tensor once and keep the array.
   */
  readTensor(name: string): mx.array {
    const t = this.info(name);
    const dtype = SAFETENSORS_DTYPES[t.dtype].dtype;
    if (dtype === null) {
      throw new LoaderError(`dtype ${t.dtype} of tensor "${name}" in ${this.file} is not supported (supported: ${READABLE_DTYPES.join(", ")}); convert the checkpoint to bf16, f16 or f32`);
    }
    if (this.fd === null) throw new LoaderError(`${this.file} is closed; cannot read tensor "${name}": open the checkpoint again`);
    const out = mx.NDArray.empty(t.shape, dtype, "cpu"); // uninitialised: the read fills it whole
    const bytes = out.hostBytes();
    const got = readFully(this.fd, bytes, this.dataOffset + t.begin);
    if (got !== bytes.length) {
      const size = fs.fstatSync(this.fd).size;
      throw new LoaderError(`${this.file} is truncated: tensor "${name}" needs bytes up to ${this.dataOffset + t.end}, the file has ${size}; ${redownload}`);
    }
    return out;
  }

  /** Closes the file; reads after this throw. Closing twice is harmless. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Opens a safetensors file and checks its header against the format and the file's
 * size (see safetensors-format.ts). Throws LoaderError naming the file (and tensor)
 * for a damaged, truncated or foreign file. Close it when done.
 */
export function openSafetensors(file: string): SafetensorsFile {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    throw new LoaderError(`cannot open ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that the weights file exists and is readable`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new LoaderError(`${file} is truncated: it has ${size} bytes, fewer than the 8-byte header length of a safetensors file; ${redownload}`);
    const lengthBytes = Buffer.alloc(8);
    readFully(fd, lengthBytes, 0);
    const headerLength = lengthBytes.readBigUInt64LE(0);
    if (headerLength > BigInt(size - 8)) {
      throw new LoaderError(`${file}: header length ${headerLength} runs past the end of the file (${size} bytes): the file is truncated or not a safetensors file; ${redownload}`);
    }
    const n = Number(headerLength);
    if (n > MAX_HEADER_BYTES) throw new LoaderError(`${file}: header length ${n} is over the format's limit of ${MAX_HEADER_BYTES} bytes; the file is damaged or not a safetensors file: ${redownload}`);
    const headerBytes = Buffer.alloc(n);
    readFully(fd, headerBytes, 8);
    const header = parseHeader(file, headerBytes);
    const expected = 8 + n + header.dataBytes;
    if (size < expected) throw new LoaderError(`${file} is truncated: expected ${expected} bytes, has ${size}; ${redownload}`);
    if (size > expected) {
      throw new LoaderError(`${file} has ${size - expected} bytes after the end of its last tensor (expected ${expected} bytes, has ${size}), which the format forbids; the file is damaged: ${redownload}`);
    }
    return new SafetensorsFile(file, fd, header.tensors, header.metadata, 8 + n);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}
