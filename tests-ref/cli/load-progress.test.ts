// pnpm main's loading progress: on a terminal, the share of the checkpoint's bytes read
// so far while the model is built; nothing when stderr is not a terminal.
import { openCheckpoint } from "@tiny-llm/loader";
import { ensureTinyModels, TINY_MODEL_DIR } from "@tiny-llm/tiny-model";
import { showLoadProgress } from "../../packages/cli/src/main/load-progress";

/** A stream that records what is written; `isTTY` as a terminal or a pipe has it. */
function stream(isTTY: boolean): { s: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  return { s: { isTTY, write: (t: string) => (written.push(t), true) } as unknown as NodeJS.WriteStream, written };
}

beforeAll(() => ensureTinyModels());

test("cli_load_progress_on_a_terminal_counts_up_to_every_byte_and_clears_its_line", () => {
  const weights = openCheckpoint(TINY_MODEL_DIR);
  try {
    const { s, written } = stream(true);
    const done = showLoadProgress(weights, s);
    for (const name of weights.names()) weights.get(name);
    const total = weights.totalBytes();
    expect(total).toBeGreaterThan(1e6);
    expect(written.at(-1)).toBe(`\rreading weights: 100% (${(total / 1e9).toFixed(2)} of ${(total / 1e9).toFixed(2)} GB)`);
    done();
    expect(written.at(-1)).toBe("\r\x1b[K");
    expect(weights.onRead).toBeNull();
  } finally {
    weights.close();
  }
});

test("cli_load_progress_writes_nothing_when_not_a_terminal", () => {
  const weights = openCheckpoint(TINY_MODEL_DIR);
  try {
    const { s, written } = stream(false);
    const done = showLoadProgress(weights, s);
    for (const name of weights.names()) weights.get(name);
    done();
    expect(written).toEqual([]);
  } finally {
    weights.close();
  }
});
