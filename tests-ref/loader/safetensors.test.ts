// Safetensors: writing, reading each dtype, and every way a file can be damaged.
// The reader is checked against bytes built by hand here, not only against the writer.
import * as fs from "node:fs";
import * as path from "node:path";
import * as mx from "@tiny-llm/array";
import { openSafetensors, SafetensorsFile, writeSafetensors } from "@tiny-llm/loader";
import { loaderError, rawSafetensors, useTmpDirs } from "./helpers";

/** The raw bytes an array views (contiguous arrays only). */
function bytesOf(a: mx.array): Uint8Array {
  return a.hostBytes();
}

describe("loader_safetensors", () => {
  const tmp = useTmpDirs();
  let dir = "";
  const opened: SafetensorsFile[] = [];
  const open = (file: string) => {
    const f = openSafetensors(file);
    opened.push(f);
    return f;
  };
  beforeAll(() => {
    dir = tmp();
  });
  afterAll(() => opened.forEach((f) => f.close()));

  /** Writes raw bytes to a new file in the suite's folder. */
  const rawFile = (name: string, bytes: Uint8Array) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  it("loader_safetensors_round_trip_every_dtype", () => {
    const tensors: Record<string, mx.array> = {
      "model.f32": mx.array([[1.5, -2.25, 3], [4, 5, 6e-8]], "float32"),
      "model.f16": mx.array([0.5, -65504, 1 / 3], "float16"),
      "model.bf16": mx.array([[1, -3.140625], [1e20, -0.0078125]], "bfloat16"),
      "model.i32": mx.array([-2147483648, 2147483647, 0], "int32"),
      "model.u32": mx.array([4294967295, 1, 0xdeadbeef], "uint32"),
      "model.u8": mx.array([0, 255, 7], "uint8"),
      "model.bool": mx.array([true, false, true], "bool"),
    };
    const file = path.join(dir, "all.safetensors");
    writeSafetensors(file, tensors, { format: "mlx", note: "héllo" });
    const f = open(file);
    expect(f.names()).toEqual(Object.keys(tensors));
    expect(f.metadata).toEqual({ format: "mlx", note: "héllo" });
    expect(f.info("model.bf16")).toMatchObject({ dtype: "BF16", shape: [2, 2] });
    expect(f.info("model.bool").dtype).toBe("BOOL");
    for (const [name, want] of Object.entries(tensors)) {
      const got = f.readTensor(name);
      expect([name, got.dtype, got.shape]).toEqual([name, want.dtype, want.shape]);
      expect([name, got.toArray()]).toEqual([name, want.toArray()]);
      expect(Buffer.from(bytesOf(got)).equals(Buffer.from(bytesOf(want)))).toBe(true);
    }
  });

  it("loader_safetensors_writer_layout", () => {
    // 8-byte length, header padded with spaces to a multiple of 8, then the data.
    const file = path.join(dir, "layout.safetensors");
    writeSafetensors(file, { a: mx.array([1, 2, 3], "float32"), b: mx.array([7], "uint8") });
    const bytes = fs.readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = bytes.subarray(8, 8 + n).toString("utf8");
    expect(JSON.parse(header)).toEqual({
      a: { dtype: "F32", shape: [3], data_offsets: [0, 12] },
      b: { dtype: "U8", shape: [1], data_offsets: [12, 13] },
    });
    expect(header.trimEnd()).toBe(JSON.stringify(JSON.parse(header)));
    expect(bytes.length).toBe(8 + n + 13);
    expect(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n, bytes.byteOffset + 8 + n + 12)))).toEqual([1, 2, 3]);
    expect(bytes[8 + n + 12]).toBe(7);
    // Written through a temporary file that is renamed: nothing else is left behind.
    expect(fs.readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  it("loader_safetensors_writes_views_and_odd_shapes", () => {
    const m = mx.array([[1, 2, 3], [4, 5, 6]], "float32");
    const file = path.join(dir, "views.safetensors");
    writeSafetensors(file, {
      transposed: m.T, // a strided view: written in row-major order of its own shape
      row: m.slice(1), // a view with an offset
      scalar: mx.array(2.5, "float32"),
      empty: mx.zeros([0, 3], "bfloat16"),
    });
    const f = open(file);
    expect(f.readTensor("transposed").toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(f.readTensor("row").toArray()).toEqual([4, 5, 6]);
    const s = f.readTensor("scalar");
    expect([s.shape, s.item()]).toEqual([[], 2.5]);
    const e = f.readTensor("empty");
    expect([e.shape, e.dtype]).toEqual([[0, 3], "bfloat16"]);
  });

  it("loader_safetensors_reads_hand_made_file", () => {
    // What Python's safetensors writes for {"w": bf16 [[1, 2]], "b": f32 [-1]}: no
    // padding, tensors in any header order.
    const bf16 = [0x80, 0x3f, 0x00, 0x40]; // 1.0, 2.0 as bfloat16, little-endian
    const f32 = Array.from(new Uint8Array(new Float32Array([-1]).buffer));
    const file = rawFile("hand.safetensors", rawSafetensors({
      b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
      w: { dtype: "BF16", shape: [1, 2], data_offsets: [0, 4] },
    }, [...bf16, ...f32]));
    const f = open(file);
    expect(f.names()).toEqual(["b", "w"]);
    expect(f.metadata).toEqual({});
    expect(f.readTensor("w").toArray()).toEqual([[1, 2]]);
    expect(f.readTensor("b").toArray()).toEqual([-1]);
    expect(f.dataOffset).toBe(8 + fs.readFileSync(file).readUInt32LE(0));
  });

  it("loader_safetensors_each_read_is_a_fresh_array", () => {
    const file = path.join(dir, "fresh.safetensors");
    writeSafetensors(file, { x: mx.array([1, 2], "int32") });
    const f = open(file);
    const a = f.readTensor("x");
    const b = f.readTensor("x");
    expect(a.storage).not.toBe(b.storage);
    new Int32Array(a.storage as ArrayBuffer, a.offset * 4, 2)[0] = 99;
    expect(b.toArray()).toEqual([1, 2]);
  });

  it("loader_safetensors_unsupported_dtype_on_read", () => {
    const f64 = Array.from(new Uint8Array(new Float64Array([1, 2]).buffer));
    const file = rawFile("f64.safetensors", rawSafetensors({
      x: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
      y: { dtype: "I32", shape: [1], data_offsets: [16, 20] },
    }, [...f64, 5, 0, 0, 0]));
    const f = open(file); // the header is valid
    expect(f.info("x")).toMatchObject({ dtype: "F64", shape: [2] });
    expect(loaderError(() => f.readTensor("x"))).toContain(`dtype F64 of tensor "x" in ${file} is not supported`);
    expect(f.readTensor("y").toArray()).toEqual([5]); // the rest of the file still reads
    const i64 = rawFile("i64.safetensors", rawSafetensors({ t: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0)));
    expect(loaderError(() => open(i64).readTensor("t"))).toContain(`dtype I64 of tensor "t" in ${i64} is not supported`);
  });

  it("loader_safetensors_missing_tensor_and_closed_file", () => {
    const file = path.join(dir, "closed.safetensors");
    writeSafetensors(file, { x: mx.array([1], "float32") });
    const f = openSafetensors(file);
    expect(loaderError(() => f.readTensor("y"))).toContain(`${file} has no tensor "y"`);
    f.close();
    f.close(); // twice is harmless
    expect(loaderError(() => f.readTensor("x"))).toContain(`${file} is closed`);
  });

  it("loader_safetensors_missing_file", () => {
    const file = path.join(dir, "nope.safetensors");
    expect(loaderError(() => openSafetensors(file))).toContain(`cannot open ${file} (ENOENT)`);
  });

  it("loader_safetensors_shorter_than_length_field", () => {
    const file = rawFile("short.safetensors", Uint8Array.from([1, 2, 3]));
    expect(loaderError(() => openSafetensors(file))).toMatch(new RegExp(`^${file} is truncated: it has 3 bytes.*download it again$`));
  });

  it("loader_safetensors_header_length_past_end", () => {
    const file = rawFile("len.safetensors", rawSafetensors({}, [], 1000000n));
    expect(loaderError(() => openSafetensors(file))).toContain(`${file}: header length 1000000 runs past the end of the file (10 bytes)`);
    const huge = rawFile("len2.safetensors", rawSafetensors("{}", [], 0xffffffffffffffffn));
    expect(loaderError(() => openSafetensors(huge))).toContain("header length 18446744073709551615 runs past the end");
  });

  it("loader_safetensors_bad_json", () => {
    const file = rawFile("json.safetensors", rawSafetensors('{"x": {"dtype": "F32",'));
    expect(loaderError(() => openSafetensors(file))).toContain(`${file}: the safetensors header is not valid UTF-8 JSON`);
    const latin1 = rawFile("utf8.safetensors", rawSafetensors(Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]))); // {"\xe9":1} in Latin-1
    expect(loaderError(() => openSafetensors(latin1))).toContain("not valid UTF-8 JSON");
    const arr = rawFile("arr.safetensors", rawSafetensors([1, 2]));
    expect(loaderError(() => openSafetensors(arr))).toContain(`${arr}: the safetensors header is an array, expected a JSON object`);
  });

  it("loader_safetensors_unknown_dtype", () => {
    const file = rawFile("dtype.safetensors", rawSafetensors({ "lm_head.weight": { dtype: "Q7", shape: [1], data_offsets: [0, 1] } }, [0]));
    const msg = loaderError(() => openSafetensors(file));
    expect(msg).toContain(`${file}: tensor "lm_head.weight" has unknown dtype "Q7"`);
    expect(msg).toContain("BF16");
  });

  it("loader_safetensors_offsets_not_matching_shape", () => {
    const file = rawFile("shape.safetensors", rawSafetensors({ w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 20] } }, new Array(20).fill(0)));
    expect(loaderError(() => openSafetensors(file))).toContain(`${file}: tensor "w" has data_offsets [0, 20] (20 bytes), but shape [2,3] of F32 needs 24 bytes`);
    const bad = rawFile("offs.safetensors", rawSafetensors({ w: { dtype: "F32", shape: [1], data_offsets: [8, 4] } }, new Array(8).fill(0)));
    expect(loaderError(() => openSafetensors(bad))).toContain(`tensor "w" has data_offsets [8,4], expected [begin, end]`);
    const neg = rawFile("neg.safetensors", rawSafetensors({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]));
    expect(loaderError(() => openSafetensors(neg))).toContain(`tensor "w" has shape [-1], expected a list of sizes`);
    const entry = rawFile("entry.safetensors", rawSafetensors({ w: "F32" }));
    expect(loaderError(() => openSafetensors(entry))).toContain(`tensor "w" is described by string "F32"`);
  });

  it("loader_safetensors_overlapping_tensors", () => {
    const file = rawFile("overlap.safetensors", rawSafetensors({
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
    }, new Array(12).fill(0)));
    expect(loaderError(() => openSafetensors(file))).toContain(`${file}: tensors "a" [0, 8) and "b" [4, 12) overlap`);
  });

  it("loader_safetensors_hole_and_trailing_bytes", () => {
    const hole = rawFile("hole.safetensors", rawSafetensors({
      a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
    }, new Array(12).fill(0)));
    expect(loaderError(() => openSafetensors(hole))).toContain(`${hole}: bytes [4, 8) of the data belong to no tensor (before "b")`);
    const header = { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } };
    const tail = rawFile("tail.safetensors", rawSafetensors(header, new Array(6).fill(0)));
    const size = fs.statSync(tail).size;
    expect(loaderError(() => openSafetensors(tail))).toContain(`${tail} has 2 bytes after the end of its last tensor (expected ${size - 2} bytes, has ${size})`);
  });

  it("loader_safetensors_bad_metadata", () => {
    const file = rawFile("meta.safetensors", rawSafetensors({ __metadata__: { format: 1 } }));
    expect(loaderError(() => openSafetensors(file))).toContain(`${file}: __metadata__ is {"format":1}, expected an object of strings`);
    expect(loaderError(() => writeSafetensors(path.join(dir, "m.safetensors"), {}, { n: 1 as unknown as string }))).toContain('metadata "n" is number');
    expect(loaderError(() => writeSafetensors(path.join(dir, "m.safetensors"), { __metadata__: mx.array([1]) }))).toContain("reserved");
    expect(fs.existsSync(path.join(dir, "m.safetensors"))).toBe(false);
  });

  it("loader_safetensors_truncated_file", () => {
    const file = path.join(dir, "trunc.safetensors");
    writeSafetensors(file, { a: mx.zeros([64], "float32"), b: mx.ones([64], "bfloat16") });
    const full = fs.statSync(file).size;
    fs.truncateSync(file, full - 100);
    expect(loaderError(() => openSafetensors(file))).toBe(`${file} is truncated: expected ${full} bytes, has ${full - 100}; download it again`);
  });

  it("loader_safetensors_file_shrinks_after_open", () => {
    const file = path.join(dir, "shrink.safetensors");
    writeSafetensors(file, { a: mx.ones([16], "float32"), b: mx.ones([16], "float32") });
    const f = open(file);
    const full = fs.statSync(file).size;
    fs.truncateSync(file, full - 8);
    expect(f.readTensor("a").toArray()).toEqual(new Array(16).fill(1));
    expect(loaderError(() => f.readTensor("b"))).toContain(`${file} is truncated: tensor "b" needs bytes up to ${full}, the file has ${full - 8}`);
  });
});
