// The GGUF writer of `pnpm bench --part llama`: half-precision rounding and ggml's Q4_0
// blocks against numpy / a transcription of quantize_row_q4_0_ref in numpy (goldens
// below), and a written file read back field by field.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { f16Bits, quantizeQ4_0, writeGguf } from "../../packages/cli/src/bench/gguf";

describe("f16Bits", () => {
  // numpy: np.array([v], np.float32).astype(np.float16).view(np.uint16)
  const cases: [number, number][] = [
    [0, 0x0], [-0, 0x8000], [1, 0x3c00], [-2.5, 0xc100], [65504, 0x7bff],
    [65520, 0x7c00], [1e6, 0x7c00], [6e-8, 0x1], [3e-8, 0x1], [2.98e-8, 0x0],
    [1e-5, 0xa8], [0.1, 0x2e66], [1 / 3, 0x3555], [-0.0346, 0xa86e],
    [8.940696716308594e-8, 0x2], [1.00146484375, 0x3c02], [1.00048828125, 0x3c00],
  ];
  test.each(cases)("%p -> %p", (v, bits) => expect(f16Bits(Float32Array.of(v))[0]).toBe(bits));
  test("NaN stays NaN", () => expect(f16Bits(Float32Array.of(NaN))[0] & 0x7fff).toBeGreaterThan(0x7c00));
});

/** 32 values whose largest magnitude (-0.3) is negative, so d is positive. */
const BLOCK = Float32Array.from({ length: 32 }, (_, i) => (i === 5 ? -0.3 : (i - 13) * 0.01));
// numpy transcription of quantize_row_q4_0_ref on BLOCK: d bits, then the 16 code bytes.
const BLOCK_D = 10445;
const BLOCK_QS = [149, 149, 149, 165, 166, 160, 166, 182, 183, 183, 183, 199, 200, 200, 216, 217];

describe("quantizeQ4_0", () => {
  test("one block: ggml's scale and codes", () => {
    const out = Buffer.alloc(18);
    quantizeQ4_0(BLOCK, out);
    expect(out.readUInt16LE(0)).toBe(BLOCK_D);
    expect([...out.subarray(2)]).toEqual(BLOCK_QS);
  });

  test("dequantized, (q - 8) d is within d / 2 of each value; an all-zero block is d = -0 (0 / -8, as in C), codes 8", () => {
    const x = new Float32Array(64);
    x.set(BLOCK);
    const out = Buffer.alloc(36);
    quantizeQ4_0(x, out);
    const d = 0.3 / 8;
    for (let j = 0; j < 32; j++) {
      const q = j < 16 ? out[2 + j] & 15 : out[2 + j - 16] >> 4;
      expect(Math.abs((q - 8) * d - BLOCK[j])).toBeLessThanOrEqual(d / 2 + 1e-4);
    }
    expect(out.readUInt16LE(18)).toBe(0x8000);
    expect([...out.subarray(20)]).toEqual(new Array(16).fill(0x88));
  });
});

/** Reads a GGUF file back: metadata as [key, type, value] and tensor infos. */
function readGguf(buf: Buffer) {
  let o = 0;
  const u32 = () => { o += 4; return buf.readUInt32LE(o - 4); };
  const u64 = () => { o += 8; return Number(buf.readBigUInt64LE(o - 8)); };
  const str = () => { const n = u64(); o += n; return buf.toString("utf8", o - n, o); };
  const value = (type: number): unknown => {
    if (type === 4) return u32();
    if (type === 5) { o += 4; return buf.readInt32LE(o - 4); }
    if (type === 6) { o += 4; return buf.readFloatLE(o - 4); }
    if (type === 8) return str();
    if (type === 9) { const t = u32(); return Array.from({ length: u64() }, () => value(t)); }
    throw new Error(`unexpected type ${type}`);
  };
  const magic = buf.toString("latin1", 0, 4);
  o = 4;
  const version = u32(), nTensors = u64(), nKv = u64();
  const kv = Array.from({ length: nKv }, () => { const k = str(); const t = u32(); return [k, t, value(t)]; });
  const tensors = Array.from({ length: nTensors }, () => {
    const name = str();
    const ne = Array.from({ length: u32() }, () => u64());
    return { name, ne, type: u32(), offset: u64() };
  });
  return { magic, version, kv, tensors, dataStart: Math.ceil(o / 32) * 32 };
}

test("writeGguf: header, metadata, tensor infos (ne innermost first), aligned data", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gguf-test-"));
  const file = path.join(dir, "t.gguf");
  try {
    writeGguf(
      file,
      { "general.architecture": { string: "qwen2" }, "a.u32": { u32: 7 }, "a.f32": { f32: 0.5 }, "a.strs": { strings: ["x", "yz"] }, "a.i32s": { i32s: [1, -2] } },
      [
        { name: "f32", shape: [2, 3], type: "F32", fill: (out, start) => out.forEach((_, i) => (out[i] = start + i)) },
        { name: "q40", shape: [1, 32], type: "Q4_0", fill: (out) => out.set(BLOCK) },
        { name: "f16", shape: [3], type: "F16", fill: (out) => out.set([1, -2.5, 0.1]) },
      ],
    );
    const buf = fs.readFileSync(file);
    const g = readGguf(buf);
    expect([g.magic, g.version]).toEqual(["GGUF", 3]);
    expect(g.kv).toEqual([
      ["general.architecture", 8, "qwen2"], ["a.u32", 4, 7], ["a.f32", 6, 0.5], ["a.strs", 9, ["x", "yz"]], ["a.i32s", 9, [1, -2]],
    ]);
    expect(g.tensors).toEqual([
      { name: "f32", ne: [3, 2], type: 0, offset: 0 },
      { name: "q40", ne: [32, 1], type: 2, offset: 32 },
      { name: "f16", ne: [3], type: 1, offset: 64 },
    ]);
    const at = (t: number) => g.dataStart + g.tensors[t].offset;
    expect(Array.from({ length: 6 }, (_, i) => buf.readFloatLE(at(0) + 4 * i))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(buf.readUInt16LE(at(1))).toBe(BLOCK_D);
    expect([...buf.subarray(at(1) + 2, at(1) + 18)]).toEqual(BLOCK_QS);
    expect([0, 1, 2].map((i) => buf.readUInt16LE(at(2) + 2 * i))).toEqual([0x3c00, 0xc100, 0x2e66]);
    expect(buf.length).toBe(g.dataStart + 96);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
