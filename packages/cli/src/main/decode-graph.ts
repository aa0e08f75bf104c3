// Decode steps on the GPU replayed rather than recorded, as vLLM replays a CUDA graph of
// its decode step. Recording a step is the host's work of running the model's TypeScript:
// on an H200's host about 2.5 ms for a 7B step's ~260 launches, about as long as the GPU
// takes to run them, so the host sets the pace. A decode step launches the same kernels
// over the same buffers every time; what changes is where the new token's keys go, how
// many keys attention reads and which token goes in, and the kernels that depend on the
// position say how their parameters move on (Dispatch.advance). So two steps are
// captured in a row, compared (mx.gpu.graphOf), and later steps replay the second.
//
// A replay writes the caches' next slots without telling them, so the caches must be
// ones that can count the tokens (week2_ref's TinyKvFullCache.commit; a learner's cache
// that cannot keeps every step recorded), and must not grow past their capacity while a
// graph lives: the step that grows them is recorded, and two more make the next graph.
import * as mx from "@tiny-llm/array";

/** What a replay needs of a layer's cache (TinyKvFullCache has it): its tokens, its room, and a way to count tokens written without an update. */
interface CountableCache {
  readonly offset: number;
  readonly capacity: number;
  commit(n: number): void;
}

/** Asked of the object, not by instanceof: each solution brings its own cache class (week2_ref's TinyKvFullCache counts). */
const countable = (c: unknown): c is CountableCache =>
  typeof c === "object" && c !== null && "capacity" in c && typeof c.capacity === "number" && "commit" in c && typeof c.commit === "function";

/** Refusals in a row after which a loop stops capturing (its steps differ each time: a sampler drawing on the host, say). */
const MAX_REFUSALS = 8;

/**
 * A decode loop's steps, replayed from a graph of an earlier step where one fits, else
 * recorded (and captured, to make the graph). Give each step of one sequence, in order,
 * after its prefill; release() at the end.
 *
 *   const graph = new DecodeGraph(cache);
 *   token = graph.step(token, (t) => sample(model.forward(t, cache[0].offset, cache, { lastOnly: true })));
 */
export class DecodeGraph {
  /** The last step captured (at `offset`), for the graph of the step after it. */
  private first: { capture: mx.gpu.Capture; offset: number } | null = null;
  /** The graph, and the offset of the step it was captured at. */
  private graph: { graph: mx.gpu.GpuGraph; offset: number } | null = null;
  private refusals = 0;
  private readonly caches: readonly CountableCache[];
  /** Steps replayed so far. */
  replayed = 0;
  /** Why the last pair of steps could not make a graph (mx.gpu.graphOf), or why no graph is tried. */
  refusal: string | null = null;

  /** `cache`: the sequence's caches, one per layer; steps replay only over caches that count tokens as week 2's TinyKvFullCache does (capacity, commit). */
  constructor(cache: readonly unknown[]) {
    this.caches = cache.length > 0 && cache.every(countable) ? cache : [];
    if (this.caches.length === 0) this.refusal = "the caches do not say their capacity and cannot count tokens a replay wrote (TinyKvFullCache's capacity and commit)";
  }

  /**
   * The decode step that feeds `token` (1 x 1 int32 ids, on the GPU) at the caches' offset:
   * a replay of the graph when its buffers hold the step, else `record(token)`, which
   * runs the step (the model's forward and the choice of the next token) and returns its
   * next token as a GPU array. Either way, the step's next token.
   */
  step(token: mx.array, record: (token: mx.array) => mx.array): mx.array {
    if (this.caches.length === 0) return record(token);
    const offset = this.caches[0].offset;
    const L = token.shape[1];
    if (this.graph !== null) {
      const steps = (offset - this.graph.offset) / L;
      const room = this.caches.every((c) => c.offset + L <= c.capacity);
      const out = Number.isInteger(steps) && steps >= 1 && room ? this.graph.graph.replay([token], steps) : null;
      if (out !== null) {
        for (const c of this.caches) c.commit(L);
        this.replayed++;
        return out[0];
      }
      this.graph.graph.release();
      this.graph = null;
    }
    if (this.refusals >= MAX_REFUSALS) return record(token);
    const { outputs: [next], capture } = mx.gpu.capture([token], () => [record(token)]);
    if (this.first?.offset === offset - L) {
      const graph = mx.gpu.graphOf(this.first.capture, capture);
      if (typeof graph === "string") {
        this.refusal = graph;
        this.refusals++;
      } else {
        this.graph = { graph, offset };
        this.refusals = 0;
      }
    }
    this.first = this.graph === null ? { capture, offset } : null;
    return next;
  }

  /** Releases the graph's hold on its buffers. */
  release(): void {
    this.graph?.graph.release();
    this.graph = this.first = null;
  }
}
