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
  printColumns(KEYS.map((k) => HEAD[k]), rows.map((r) => KEYS.map((k) => r[k])));
}

/** A table of any columns, in the same style: a head, a rule, the rows; columns padded to their widest cell. */
export function printColumns(head: string[], rows: string[][]): void {
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => head.map((_, i) => (r[i] ?? "").padEnd(width[i])).join("  ").trimEnd();
  console.log(line(head));
  console.log(width.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

export const gflops = (flops: number, s: number) => `${(flops / s / 1e9).toFixed(1)} GFLOP/s`;
export const gbps = (bytes: number, s: number) => `${(bytes / s / 1e9).toFixed(1)} GB/s`;
export const ratioText = (r: number | null) => (r === null ? "-" : `${r.toFixed(2)}x`);
/** "ok" / "LOW" against a minimum ratio. */
export const barText = (r: number | null, min: number) => (r === null ? `>= ${min.toFixed(2)} (no ref)` : `>= ${min.toFixed(2)} ${r >= min ? "ok" : "LOW"}`);
