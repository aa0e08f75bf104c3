// quantizedRows (tiny-llm-ext-ref, reference only, GPU): rows of a quantized table by id,
// unpacked in one kernel after mx.take gathers their codes, against the whole table
// dequantized with array ops, then gathered: equal to the bit, since both round each
// value to the scales' dtype. An id out of range is mx.take's error, at the next read.
import * as mx from "@tiny-llm/array";
import { quantizedRows, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { dequantize, randomWeights, type Float } from "./quantized-weights";

beforeAll(async () => {
  await mx.gpu.init();
});

const onGpu = (w: QuantizedWeights): QuantizedWeights => ({ ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") });
const [V, K] = [50, 128];
const IDS = [[0, 7, 49], [7, 3, 21]]; // repeats and both ends of the table

for (const [bits, sdt, group] of [[4, "bfloat16", 64], [8, "float16", 32], [4, "float32", 128]] as [number, Float, number][]) {
  test(`quantized_rows_${bits}_bit_${sdt}_scales_group_${group}_equal_the_dequantized_table_gathered`, async () => {
    const w = randomWeights(V, K, bits, group, sdt, 80 + bits);
    const ids = mx.array(IDS, "int32");
    const rows = quantizedRows(onGpu(w), ids.toDevice("gpu"));
    expect(rows.shape).toEqual([2, 3, K]);
    expect(rows.dtype).toBe("float32");
    const expected = mx.take(dequantize(w).astype(sdt).astype("float32"), ids, 0);
    await expectClose(await rows.toCpu(), expected, { tol: { rtol: 0, atol: 0 }, label: `${bits}-bit ${sdt}` });
  }, 120_000);
}

test("quantized_rows_an_id_out_of_range_is_reported_at_the_next_read", async () => {
  const table = onGpu(randomWeights(V, K, 4, 64, "bfloat16", 90));
  const rows = quantizedRows(table, mx.array([3, V], "int32").toDevice("gpu"));
  await expect(rows.toCpu()).rejects.toThrow(/^take: index 50 \(at position 1\) is out of range for axis 0 of length 50 \(shape \[50,16\]\)$/);
}, 120_000);

test("quantized_rows_bad_input_names_what_was_expected", () => {
  const table = onGpu(randomWeights(V, K, 4, 64, "bfloat16", 91));
  expect(() => quantizedRows(table, mx.array([1, 2], "float32").toDevice("gpu"))).toThrow(/^quantizedRows: ids must be int32, got float32 \[2\]$/);
  expect(() => quantizedRows(table, mx.array([1, 2], "int32"))).toThrow(/^quantizedRows: ids are on the cpu; quantizedRows runs on the GPU \(on the CPU, gather then dequantizeLinear\)$/);
  expect(() => quantizedRows({ ...table, bits: 3 }, mx.array([1], "int32").toDevice("gpu"))).toThrow(/^quantizedRows: table.bits must be 4 or 8, got 3$/);
  expect(() => quantizedRows({ ...table, scales: table.scales.slice("0:10") }, mx.array([1], "int32").toDevice("gpu"))).toThrow(/^quantizedRows: table.scales has shape \[10,2\], expected \[50,2\] \(O x K\/groupSize\)$/);
});
