// ropeIntoCache (tiny-llm-ext-ref, reference only), on the CPU (C++) and the GPU (WGSL):
// the biases, RoPE on the query and key heads and the keys and values written into a
// cache's slots in one kernel call, against the same work done by the array package's
// separate ops (add, mx.fast.rope, slices), with the slots in the middle of a larger
// cache whose other positions must stay as they were.
import * as mx from "@tiny-llm/array";
import { ropeIntoCache } from "@tiny-llm/tiny-llm-ext-ref";

import { expectCloseOnCpu as expectClose, describeDevices } from "../array/device";
import { randomNormal } from "../../tests/helpers/reference";

const [N, L, Hq, Hkv, D, AT, CAPACITY] = [2, 3, 4, 2, 8, 5, 16];
const H = Hq + 2 * Hkv;
const TOL = { tol: { rtol: 1e-6, atol: 1e-6 } };

/** Heads from .. to of x: N x L x H x D. */
const heads = (x: mx.array, from: number, to: number) => x.slice(":", ":", `${from}:${to}`);
/** Positions AT .. AT + L of a cache buffer: N x H_kv x CAPACITY x D. */
const slots = (cache: mx.array) => cache.slice(":", ":", `${AT}:${AT + L}`);

// Arrays are made on the block's device (its default device).
describeDevices("kernels ropeIntoCache", () => {
  for (const traditional of [false, true]) {
    for (const withBias of [true, false]) {
      test(`rope_into_cache_traditional_${traditional}_bias_${withBias}_equals_the_separate_ops`, async () => {
        const qkv = randomNormal(1, [N, L, H, D]);
        const bias = withBias ? randomNormal(2, [H * D]) : undefined;
        const [cos, sin] = [randomNormal(3, [L, D / 2]), randomNormal(4, [L, D / 2])];
        const before = randomNormal(5, [N, Hkv, CAPACITY, D]);
        const [keys, values] = [before, before.multiply(2)];

        const q = ropeIntoCache(qkv, bias, cos, sin, slots(keys), slots(values), { heads: Hq, kvHeads: Hkv, traditional });

        const biased = bias === undefined ? qkv : qkv.add(bias.reshape(H, D));
        const turned = mx.fast.rope(heads(biased, 0, Hq + Hkv), cos, sin, { traditional });
        await expectClose(q, heads(turned, 0, Hq), { ...TOL, label: "q" });
        await expectClose(slots(keys), heads(turned, Hq, Hq + Hkv).swapaxes(1, 2), { ...TOL, label: "keys" });
        await expectClose(slots(values), heads(biased, Hq + Hkv, H).swapaxes(1, 2), { ...TOL, label: "values" });
        for (const [cache, was] of [[keys, before], [values, before.multiply(2)]] as const) {
          for (const rest of [`0:${AT}`, `${AT + L}:`]) {
            await expectClose(cache.slice(":", ":", rest), was.slice(":", ":", rest), { tol: { rtol: 0, atol: 0 }, label: `positions ${rest} untouched` });
          }
        }
      });
    }
  }

  test("rope_into_cache_bad_input_names_what_was_expected", () => {
    const qkv = mx.zeros([N, L, H, D]);
    const table = mx.zeros([L, D / 2]);
    const cache = () => slots(mx.zeros([N, Hkv, CAPACITY, D]));
    const opts = { heads: Hq, kvHeads: Hkv, traditional: false };
    expect(() => ropeIntoCache(qkv, undefined, table, table, cache(), cache(), { ...opts, heads: Hq + 1 })).toThrow(/^ropeIntoCache: qkv has shape \[2,3,8,8\], expected H_q \+ 2 H_kv = 5 \+ 2 x 2 heads of an even D$/);
    expect(() => ropeIntoCache(qkv.astype("bfloat16"), undefined, table, table, cache(), cache(), opts)).toThrow(/^ropeIntoCache: qkv must be float32, got bfloat16 \[2,3,8,8\]$/);
    expect(() => ropeIntoCache(qkv, mx.zeros([H]), table, table, cache(), cache(), opts)).toThrow(/^ropeIntoCache: bias has shape \[8\], expected \[64\] \(\(H_q \+ 2 H_kv\) \* D\)$/);
    expect(() => ropeIntoCache(qkv, undefined, mx.zeros([L + 1, D / 2]), table, cache(), cache(), opts)).toThrow(/^ropeIntoCache: cos has shape \[4,4\], expected \[3,4\] \(L x D\/2\)$/);
    expect(() => ropeIntoCache(qkv, undefined, table, table, cache().swapaxes(2, 3), cache(), opts)).toThrow(/^ropeIntoCache: keySlots has shape \[2,2,8,3\], expected \[2,2,3,8\] \(N x H_kv x L x D\)$/);
    expect(() => ropeIntoCache(qkv, undefined, table, table, cache(), mx.zeros([N, Hkv, D, L]).swapaxes(2, 3), opts)).toThrow(/^ropeIntoCache: valueSlots must be laid out with a unit stride along D and no reversed axis, got strides \[48,24,1,3\]$/);
  });
});
