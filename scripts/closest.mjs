// Which test ids a mistyped `pnpm test -k` word was probably meant to be.

/** Edit distance between a and b (insertions, deletions, substitutions). */
function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * What -k could have meant in a test's full name: its day (or the named chapter beside
 * the days, such as week_2_qwen3), its task, its id and the words of its id.
 */
function candidates(fullName) {
  const out = [];
  for (const id of fullName.match(/week_\w+/g) ?? []) {
    const m = /^(week_\d+_(?:day_\d+|[a-z][a-z0-9]*))(_task_\d+)?/.exec(id);
    if (m) out.push(m[1], m[1] + (m[2] ?? ""));
    out.push(id, ...id.split("_").filter((w) => /^[a-z]{3,}$/i.test(w)));
  }
  return out;
}

/**
 * Why a -k expression selected nothing: its first word found in no test name and the
 * up to `count` selections closest to it by edit distance (days such as week_1_day_2,
 * tasks, test ids and the words in them, the shortest first among equally close
 * ones); or, when every word is found somewhere, that they match no test together.
 */
export function explainEmptySelection(expr, fullNames, count) {
  const names = fullNames.map((n) => n.toLowerCase());
  const words = expr.split(/[\s()]+/).filter((w) => w && !["and", "or", "not"].includes(w));
  const unknown = words.find((w) => !names.some((n) => n.includes(w.toLowerCase())));
  if (unknown === undefined) return `each of its words is in some test name, but no test matches the whole expression`;
  const near = closestTo(unknown.toLowerCase(), fullNames, count);
  return `no test name contains "${unknown}"${near.length > 0 ? `; the closest: ${near.join(", ")}` : ""}`;
}

function closestTo(word, fullNames, count) {
  const scored = [...new Set(fullNames.flatMap(candidates))].map((c) => [editDistance(word, c.toLowerCase()), c]);
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map(([d]) => d));
  return scored
    .filter(([d]) => d === best)
    .map(([, c]) => c)
    .sort((a, b) => a.length - b.length || a.localeCompare(b))
    .slice(0, count);
}
