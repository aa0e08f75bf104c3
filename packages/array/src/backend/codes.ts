// The op vocabulary: the numbers by which TypeScript names dtypes and ops to native
// code. Shared by the CPU backend (backend/native.ts), any later backend, and
// extensions (custom kernels receive dtypes as DtypeCode; see extension.ts). Plain
// enums (not const enums), so that other packages can use them when compiled file
// by file.

/** Dtype codes shared with native/include/tiny-llm/dtype.h. */
export enum DtypeCode {
  float32 = 0,
  float16 = 1,
  bfloat16 = 2,
  int32 = 3,
  uint32 = 4,
  uint8 = 5,
  bool = 6,
}

/** Unary op codes shared with native/src/unary.cc. */
export enum UnaryOp {
  negative = 0,
  abs = 1,
  exp = 2,
  log = 3,
  sqrt = 4,
  rsqrt = 5,
  sin = 6,
  cos = 7,
  tanh = 8,
  sigmoid = 9,
  square = 10,
  logicalNot = 11,
  floor = 12,
  ceil = 13,
  sign = 14,
  reciprocal = 15,
  isnan = 16,
  silu = 17,
}

/** Binary op codes shared with native/src/binary.cc. */
export enum BinaryOp {
  add = 0,
  subtract = 1,
  multiply = 2,
  divide = 3,
  power = 4,
  maximum = 5,
  minimum = 6,
  equal = 7,
  notEqual = 8,
  less = 9,
  lessEqual = 10,
  greater = 11,
  greaterEqual = 12,
  logicalAnd = 13,
  logicalOr = 14,
  floorDivide = 15,
  remainder = 16,
}

/** Reduction op codes shared with native/src/reduce.cc. */
export enum ReduceOp {
  sum = 0,
  mean = 1,
  prod = 2,
  max = 3,
  min = 4,
  argmax = 5,
  argmin = 6,
  logsumexp = 7,
  any = 8,
  all = 9,
}

/** Scan op codes shared with native/src/scan.cc. */
export enum ScanOp {
  cumsum = 0,
  cumprod = 1,
  cummax = 2,
  cummin = 3,
}
