// The one error of @tiny-llm/loader. Every message is one line that names the file,
// folder or tensor, says what was wrong and what was expected, and what to do, e.g.
//   model.safetensors in /m is truncated: expected 1049096 bytes, has 524288; download it again

/** Thrown for any model, config, weight or tokenizer file that cannot be used. */
export class LoaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoaderError";
  }
}
