// Plain-text table printing.

export interface Row {
  kase: string;
  shape: string;
  ours: string;
  reference: string;
  ratio: string;
  bar: string;
}

const HEAD: Row = { kase: "case", shape: "M x N x K", ours: "ours", reference: "reference", ratio: "ratio", bar: "bar" };
const KEYS: (keyof Row)[] = ["kase", "shape", "ours", "reference", "ratio", "bar"];

export function printTable(rows: Row[]): void {
  const all = [HEAD, ...rows];
  const width = KEYS.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: Row) => KEYS.map((k, i) => r[k].padEnd(width[i])).join("  ").trimEnd();
  console.log(line(HEAD));
  console.log(width.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

export const gflops = (flops: number, s: number) => `${(flops / s / 1e9).toFixed(1)} GFLOP/s`;
export const gbps = (bytes: number, s: number) => `${(bytes / s / 1e9).toFixed(1)} GB/s`;
export const ratioText = (r: number | null) => (r === null ? "-" : `${r.toFixed(2)}x`);
/** "ok" / "LOW" against a minimum ratio. */
export const barText = (r: number | null, min: number) => (r === null ? `>= ${min.toFixed(2)} (no ref)` : `>= ${min.toFixed(2)} ${r >= min ? "ok" : "LOW"}`);
