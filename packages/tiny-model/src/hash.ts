// Deterministic "random" numbers from integer arithmetic only, so that the tiny model's
// weights are the same bytes on every machine: no libm (Math.sin, Math.log differ
// across platforms), no float rounding until the final, exact scaling.
//
//   seed(name)        FNV-1a over the tensor name's UTF-16 code units (ASCII names)
//   hash(seed, i)     murmur3's 32-bit finalizer over (seed, element index)
//   uniform           the hash's top 24 bits as k * 2^-23 - 1 in [-1, 1): exact in float32

/** FNV-1a (32-bit) of a string: the seed of a tensor, from its checkpoint name. */
export function nameSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's fmix32: a bijection of 32-bit words that mixes every input bit into every output bit. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit hash of element `i` of the tensor with seed `seed`. */
export function elementHash(seed: number, i: number): number {
  return fmix32((seed ^ fmix32((i + 0x9e3779b9) >>> 0)) >>> 0);
}

/**
 * `size` values uniform in [center - scale, center + scale), where `scale` is a power of
 * two (so that every value is exact in float32: k * 2^-23 * scale with k < 2^24).
 */
export function hashUniform(name: string, size: number, scale: number, center = 0): Float32Array {
  if (!Number.isInteger(Math.log2(scale))) throw new Error(`hashUniform ${name}: scale ${scale} is not a power of two`);
  const seed = nameSeed(name);
  const out = new Float32Array(size);
  const step = scale * 2 ** -23;
  for (let i = 0; i < size; i++) out[i] = center + ((elementHash(seed, i) >>> 8) * step - scale);
  return out;
}
