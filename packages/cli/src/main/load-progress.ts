// Progress of building a model from a checkpoint, on a terminal: the model's constructor
// reads tensor after tensor, and a line on stderr says how many of the bytes are in. A
// multi-GB checkpoint takes seconds to read; without it the command looks stuck.
import type { Checkpoint } from "@tiny-llm/loader";

const EVERY_MS = 100;

/**
 * Shows the share of `weights` read so far on `stream` while it is a terminal (nothing
 * otherwise); the returned function clears the line and stops.
 */
export function showLoadProgress(weights: Checkpoint, stream: NodeJS.WriteStream): () => void {
  if (!stream.isTTY) return () => {};
  let shown = 0;
  weights.onRead = (read, total) => {
    const now = Date.now();
    if (now - shown < EVERY_MS && read < total) return;
    shown = now;
    stream.write(`\rreading weights: ${((100 * read) / total).toFixed(0)}% (${(read / 1e9).toFixed(2)} of ${(total / 1e9).toFixed(2)} GB)`);
  };
  return () => {
    weights.onRead = null;
    stream.write("\r\x1b[K");
  };
}
