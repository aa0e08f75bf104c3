// The bench's MLX 4-bit copy of a bf16 checkpoint (packages/cli/src/bench/quantized-checkpoint.ts):
// by default codes are reused by shape (timings only); `exact` quantizes every matrix, so a
// speculative draft computes what its original does; `dequantizedTo` writes the copy's own
// weights back as bf16, a checkpoint on its 4-bit grid.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as mx from "@tiny-llm/array";
import { openCheckpoint } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_DIR } from "@tiny-llm/tiny-model";
import { dequantizeLinear } from "@tiny-llm/tiny-llm-week1-ref";
import { writeQuantizedCheckpoint } from "../../packages/cli/src/bench/quantized-checkpoint";

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tiny-llm-qcopy-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
beforeAll(() => ensureTinyModels());

/** The uint32 codes of a packed tensor of the checkpoint in `dir`. */
const codes = (dir: string, name: string) => {
  const ckpt = openCheckpoint(dir);
  try {
    return Array.from(ckpt.get(name).toTypedArray());
  } finally {
    ckpt.close();
  }
};
const Q0 = "model.layers.0.self_attn.q_proj.weight";
const Q1 = "model.layers.1.self_attn.q_proj.weight";

// Written once for the file: the quantizer is JavaScript, and the embedding is 151936 x 64.
let reused = "";
let q4 = "";
let grid = "";
beforeAll(() => {
  [reused, q4, grid] = [tmp(), tmp(), tmp()];
  writeQuantizedCheckpoint(TINY_MODEL_DIR, reused, 64, 4);
  writeQuantizedCheckpoint(TINY_MODEL_DIR, q4, 64, 4, { dequantizedTo: grid }); // exact
});

test("cli_bench_quantized_copy_reuses_codes_by_shape_unless_exact", () => {
  expect(codes(reused, Q1)).toEqual(codes(reused, Q0));
  expect(codes(q4, Q1)).not.toEqual(codes(q4, Q0));
});

test("cli_bench_quantized_copy_dequantized_to_bf16_lies_on_its_grid", () => {
  const [packed, onGrid, original] = [openCheckpoint(q4), openCheckpoint(grid), openCheckpoint(TINY_MODEL_DIR)];
  try {
    expect(onGrid.names().sort()).toEqual(original.names().sort());
    for (const name of [Q1, "model.embed_tokens.weight"]) {
      const base = name.slice(0, -".weight".length);
      const w = dequantizeLinear(packed.get(name), packed.get(`${base}.scales`), packed.get(`${base}.biases`), 64, 4).astype("bfloat16");
      expect(onGrid.get(name).dtype).toBe("bfloat16");
      expect(mx.allclose(onGrid.get(name), w, 0, 0)).toBe(true);
      expect(mx.allclose(onGrid.get(name), original.get(name), 0, 0)).toBe(false); // rounded to the grid
    }
    const norm = "model.layers.0.input_layernorm.weight";
    expect(mx.allclose(onGrid.get(norm), original.get(norm), 0, 0)).toBe(true); // vectors as they were
  } finally {
    for (const c of [packed, onGrid, original]) c.close();
  }
});
