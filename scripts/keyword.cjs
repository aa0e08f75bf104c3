// -k expressions -> one regex of lookaheads: how `pnpm test -k EXPR` selects tests.
// CommonJS so that both scripts/test.mjs and the tests (which check the book's
// commands) can load it.
//
// Grammar (precedence not > and > or, as in pytest):
//   expr := and ("or" and)*      and := not ("and" not)*
//   not  := "not" not | atom     atom := "(" expr ")" | WORD
// Each sub-expression becomes a zero-width pattern that matches at position 0 exactly
// when the sub-expression holds for the whole name; the final regex anchors it with ^.

/** A -k expression that does not parse. */
class KeywordError extends Error {}

function tokenize(expr) {
  // Every character is whitespace, a parenthesis or part of a word, so this never fails.
  return expr.match(/[()]|[^\s()]+/g) ?? [];
}

function escapeRegex(word) {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function keywordToRegex(expr) {
  const tokens = tokenize(expr);
  if (tokens.length === 0) throw new KeywordError("-k needs a non-empty expression");
  let pos = 0;
  const fail = (what) => {
    const at = pos < tokens.length ? `"${tokens[pos]}" (token ${pos + 1})` : "the end";
    throw new KeywordError(`-k "${expr}": expected ${what} at ${at}`);
  };
  // A node is { src } (a zero-width pattern) or, for a single lookahead,
  // { look: body, neg } so that `not word` stays the readable (?!.*word).
  const src = (n) => (n.look !== undefined ? `(?${n.neg ? "!" : "="}${n.look})` : n.src);
  const parseOr = () => {
    const parts = [parseAnd()];
    while (tokens[pos] === "or") {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : { src: `(?:${parts.map(src).join("|")})` };
  };
  const parseAnd = () => {
    const parts = [parseNot()];
    while (tokens[pos] === "and") {
      pos++;
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0] : { src: parts.map(src).join("") };
  };
  const parseNot = () => {
    if (tokens[pos] !== "not") return parseAtom();
    pos++;
    const inner = parseNot();
    return inner.look !== undefined ? { look: inner.look, neg: !inner.neg } : { look: inner.src, neg: true };
  };
  const parseAtom = () => {
    const tok = tokens[pos];
    if (tok === "(") {
      pos++;
      const inner = parseOr();
      if (tokens[pos] !== ")") fail('")"');
      pos++;
      return inner;
    }
    if (tok === undefined || tok === ")" || tok === "and" || tok === "or" || tok === "not") fail("a word or (");
    pos++;
    return { look: `.*${escapeRegex(tok)}`, neg: false };
  };
  const tree = parseOr();
  if (pos !== tokens.length) fail("and / or / the end");
  return `^${src(tree)}`;
}

/** Does test name `name` match -k `expr`? (Case-insensitive, as jest's -t.) */
function keywordMatches(expr, name) {
  return new RegExp(keywordToRegex(expr), "i").test(name);
}

module.exports = { keywordToRegex, keywordMatches, KeywordError };
