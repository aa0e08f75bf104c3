// Turning a stream of token ids into printable text, like mlx-lm's
// NaiveStreamingDetokenizer: decode the tokens since the last newline, and print what
// is new unless the text ends inside a character. Byte-level BPE splits a character
// over tokens ("龘" is two tokens, its UTF-8 bytes split 2 + 1); a decode that stops
// in the middle ends in U+FFFD, so that text is held back until the character is whole.

/** What the detokenizer needs of a tokenizer. */
export interface Decoder {
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
}

const REPLACEMENT = "\uFFFD";

/** Streams text out of token ids; never emits half a character. */
export class StreamingDetokenizer {
  /** Tokens since the last newline (decoded together each time). */
  private pending: number[] = [];
  /** Characters of decode(pending) already emitted. */
  private emitted = 0;
  private all = "";

  constructor(
    private readonly tokenizer: Decoder,
    private readonly options: { skipSpecialTokens?: boolean } = {},
  ) {}

  /** Adds one token; returns the text that became safe to print ("" if none). */
  add(tokenId: number): string {
    this.pending.push(tokenId);
    const text = this.tokenizer.decode(this.pending, this.options);
    if (text.endsWith(REPLACEMENT)) return "";
    const out = text.slice(this.emitted);
    this.emitted = text.length;
    // A newline ends the segment: later decodes start from here, so each add costs
    // at most one line of decoding.
    if (text.endsWith("\n")) this.startSegment();
    this.all += out;
    return out;
  }

  /** Returns whatever is held back (an incomplete character comes out as U+FFFD); later adds start a new segment. */
  finish(): string {
    const out = this.tokenizer.decode(this.pending, this.options).slice(this.emitted);
    this.all += out;
    this.startSegment();
    return out;
  }

  /** All text emitted so far. */
  get text(): string {
    return this.all;
  }

  private startSegment(): void {
    this.pending = [];
    this.emitted = 0;
  }
}
