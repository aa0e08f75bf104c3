// The CPU's arrays of 4 KiB and more start on a 64-byte cache line, a few bytes into
// their buffer (src/backend/cpu.ts, native/src/host_buffer.cc), so that kernels' vector
// loads never straddle two lines; those of 4 MiB and more on a 2 MiB huge page. Every op that writes a fresh output writes it from
// that first element: each op here gets outputs of 4 KiB or more, checked against
// values computed in JavaScript from its inputs. CPU only (the GPU's buffers are its own).
import * as mx from "@tiny-llm/array";
import { native } from "@tiny-llm/array/backend/native";

/** Whether `a`'s first element is on a boundary of `align` bytes (a 64-byte line by default) of its CPU buffer. */
const onLine = (a: mx.array, align = 64) => native.alignedOffset(a.storage as ArrayBuffer, align) === a.offset * a.itemsize;

const ROWS = 64, COLS = 64; // 16 KiB of float32
const key = mx.random.key(7);
const x = mx.random.normal([ROWS, COLS], { key });
const xv = Array.from(x.toTypedArray());
const row = (r: number) => xv.slice(r * COLS, (r + 1) * COLS);
const close = (got: ArrayLike<number>, want: number[], tol = 1e-5) => {
  expect(got.length).toBe(want.length);
  const bad = want.findIndex((w, i) => !(Math.abs(got[i] - w) <= tol * (1 + Math.abs(w))));
  expect(bad < 0 ? "all close" : `element ${bad}: got ${got[bad]}, want ${want[bad]}`).toBe("all close");
};

test("array_cache_line_large_arrays_start_on_a_line_or_a_huge_page", () => {
  const made = [mx.zeros([1024]), mx.NDArray.empty([2048], "bfloat16"), mx.ones([4096], "uint8"), mx.full([1024], 3, "int32"), x];
  for (const a of made) expect(onLine(a)).toBe(true);
  // malloc places V8's buffers 16 bytes into a line: the arrays do sit inside theirs.
  expect(made.some((a) => a.offset > 0)).toBe(true);
  expect(mx.zeros([8]).offset).toBe(0); // small arrays are not moved
  const huge = mx.NDArray.empty([1 << 20], "float32"); // 4 MiB
  expect(onLine(huge, 2 << 20)).toBe(true);
  expect(huge.offset * huge.itemsize + huge.nbytes).toBeLessThanOrEqual((huge.storage as ArrayBuffer).byteLength);
});

test("array_cache_line_ops_write_from_the_first_element", () => {
  const outputs: mx.array[] = [];
  const check = (out: mx.array, want: number[], tol?: number) => {
    outputs.push(out);
    expect(onLine(out)).toBe(true);
    close(out.toTypedArray(), want, tol);
  };
  // A reduction with a 4 KiB result: x as 1024 rows of 4.
  check(mx.sum(x.reshape(1024, 4), 1), Array.from({ length: 1024 }, (_, i) => xv.slice(4 * i, 4 * i + 4).reduce((s, v) => s + v, 0)));
  check(mx.softmax(x, -1), Array.from({ length: ROWS }, (_, r) => {
    const v = row(r), m = Math.max(...v), e = v.map((t) => Math.exp(t - m)), s = e.reduce((a, b) => a + b, 0);
    return e.map((t) => t / s);
  }).flat());
  check(mx.cumsum(x, 1), Array.from({ length: ROWS }, (_, r) => { let s = 0; return row(r).map((v) => (s += v)); }).flat(), 1e-4);
  const order = (v: number[]) => v.map((t, i) => [t, i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
  check(mx.argsort(x, -1), Array.from({ length: ROWS }, (_, r) => order(row(r))).flat(), 0);
  const wide = x.reshape(1024, 4); // the largest 2 of each of 1024 rows: 8 KiB
  check(mx.sort(mx.topk(wide, 2, -1), -1), Array.from({ length: 1024 }, (_, r) => xv.slice(4 * r, 4 * r + 4).sort((p, q) => p - q).slice(2)).flat(), 0);
  const picked = Array.from({ length: 32 }, (_, i) => (i * 7) % ROWS);
  check(mx.take(x, picked, 0), picked.flatMap(row), 0);
  const idx = mx.argsort(x, -1);
  check(mx.takeAlongAxis(x, idx, 1), Array.from({ length: ROWS }, (_, r) => [...row(r)].sort((a, b) => a - b)).flat(), 0);
  const w = mx.full([COLS], 2);
  check(mx.fast.rmsNorm(x, w, 1e-6), Array.from({ length: ROWS }, (_, r) => {
    const v = row(r), rms = Math.sqrt(v.reduce((s, t) => s + t * t, 0) / COLS + 1e-6);
    return v.map((t) => (t / rms) * 2);
  }).flat(), 1e-4);
  check(mx.matmul(x, x.T), Array.from({ length: ROWS * ROWS }, (_, i) => {
    const a = row(Math.floor(i / ROWS)), b = row(i % ROWS);
    return a.reduce((s, t, k) => s + t * b[k], 0);
  }), 1e-4);
  // RoPE (not traditional) of 1 x 16 x 4 x 64 at positions 0..15, as cos/sin tables of 16 x 32.
  const [L, H, D] = [16, 4, COLS];
  const angle = (l: number, i: number) => l * 10000 ** (-(2 * i) / D);
  const cos = mx.array(Array.from({ length: L }, (_, l) => Array.from({ length: D / 2 }, (_, i) => Math.cos(angle(l, i)))));
  const sin = mx.array(Array.from({ length: L }, (_, l) => Array.from({ length: D / 2 }, (_, i) => Math.sin(angle(l, i)))));
  const cv = Array.from(cos.toTypedArray()), sv = Array.from(sin.toTypedArray());
  check(mx.fast.rope(x.reshape(1, L, H, D), cos, sin, { traditional: false }), Array.from({ length: L * H * D }, (_, j) => {
    const l = Math.floor(j / (H * D)), base = j - (j % D), i = j % D, half = D / 2, f = i % half;
    const c = cv[l * half + f], s = sv[l * half + f], a = xv[base + f], b = xv[base + f + half];
    return i < half ? a * c - b * s : b * c + a * s;
  }), 1e-5);
  expect(outputs.some((o) => o.offset > 0)).toBe(true);
});

test("array_cache_line_random_bits_fill_from_the_first_element", () => {
  // A prefix of the stream does not depend on the count (random.ts): 2048 words (8 KiB,
  // moved onto a line) begin with the 16 words of a small draw (not moved).
  const big = mx.random.bits([2048], { key }), small = mx.random.bits([16], { key });
  expect(onLine(big)).toBe(true);
  expect(Array.from(big.toTypedArray()).slice(0, 16)).toEqual(Array.from(small.toTypedArray()));
});
