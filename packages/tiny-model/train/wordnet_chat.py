"""WordNet 3.0 as chat turns: the training data of the trained tiny model.

Reads Debian's `wordnet-base` (/usr/share/wordnet: index.<pos> and data.<pos>, the
database format of wndb(5WN)) with the standard library only, so it runs anywhere the
package is installed, and writes one JSON object per line:

    {"word": "ocean", "kind": "define", "q": "What does 'ocean' mean?", "a": "ocean (noun): ...", "common": true}

"common" marks the words the SemCor corpus tagged (index.<pos>'s tagsense_cnt > 0), about a
fifth of them: train.py shows their turns more often.

Kinds of turn, per single-word lemma (lowercase letters only):
  define    "What does 'w' mean?"           its most frequent sense's definition
  sentence  "Use 'w' in a sentence."        a WordNet example sentence that contains w
  synonym   "What is a synonym of 'w'?"     another lemma of its first synset that has one
  opposite  "What is the opposite of 'w'?"  a lexical antonym ("!" pointer)
  kind_of   "What is 'w' a kind of?"        the first lemma of its first noun sense's hypernym

One lemma in 100 (by a hash of the word, so the split never changes) goes to the held-out
file with all of its turns; the words the course demonstrates stay in training.

    python3 wordnet_chat.py --out DIR          # DIR/train.jsonl, DIR/heldout.jsonl
    python3 wordnet_chat.py --define ocean     # the define turn's answer for one word
"""

import argparse
import hashlib
import json
import os
import sys

WORDNET = os.environ.get("WORDNET_DIR", "/usr/share/wordnet")
POS = [("n", "noun"), ("v", "verb"), ("a", "adjective"), ("r", "adverb")]
FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# Always trained on: the words the README, the book and the tests ask about.
DEMO_WORDS = {"ocean", "ephemeral"}


def read_synsets(pos):
    """offset -> {words, pointers, definition, examples} of data.<pos>."""
    synsets = {}
    with open(os.path.join(WORDNET, "data." + FILES[pos]), encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):  # the licence header
                continue
            fields, _, gloss = line.partition(" | ")
            t = fields.split()
            offset, n_words = t[0], int(t[3], 16)
            words = [clean_lemma(t[4 + 2 * i]) for i in range(n_words)]
            i = 4 + 2 * n_words
            n_ptrs = int(t[i])
            pointers = [tuple(t[i + 1 + 4 * k:i + 5 + 4 * k]) for k in range(n_ptrs)]
            definition, examples = split_gloss(gloss.strip())
            synsets[offset] = {"words": words, "pointers": pointers, "definition": definition, "examples": examples}
    return synsets


def clean_lemma(word):
    """data files write 'ice_cream' and adjective markers like 'galore(ip)'."""
    return word.split("(")[0].replace("_", " ")


def split_gloss(gloss):
    """'def; "example one"; "example two"' -> ('def', ['example one', 'example two'])."""
    parts = [p.strip() for p in gloss.split(";")]
    definition = [p for p in parts if not p.startswith('"')]
    examples = [p.strip('"').strip() for p in parts if p.startswith('"')]
    return "; ".join(definition).strip(), [e for e in examples if e]


def read_index(pos):
    """lemma -> (synset offsets, most frequent sense first; senses tagged in the SemCor corpus)."""
    index = {}
    with open(os.path.join(WORDNET, "index." + FILES[pos]), encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                continue
            t = line.split()
            lemma, n_synsets, n_ptr_kinds = t[0], int(t[2]), int(t[3])
            index[lemma] = (t[6 + n_ptr_kinds:6 + n_ptr_kinds + n_synsets], int(t[5 + n_ptr_kinds]))
    return index


class WordNet:
    def __init__(self):
        self.synsets = {pos: read_synsets(pos) for pos, _ in POS}
        self.index = {pos: read_index(pos) for pos, _ in POS}

    def offsets(self, pos, word):
        return self.index[pos].get(word, ([], 0))[0]

    def tagged(self, word):
        """How many of the word's senses (all parts of speech) the SemCor corpus tagged: 0 for rare words."""
        return sum(self.index[pos].get(word, ([], 0))[1] for pos, _ in POS)

    def senses(self, word):
        """[(pos name, synset), ...], the part of speech with the most tagged senses first, then by index order."""
        ranked = sorted(POS, key=lambda p: -self.index[p[0]].get(word, ([], 0))[1])
        return [(name, self.synsets[pos][off]) for pos, name in ranked for off in self.offsets(pos, word)]

    def define(self, word):
        """Its most frequent sense's definition."""
        for name, s in self.senses(word):
            if s["definition"]:
                return f"{word} ({name}): {s['definition']}."
        return None

    def sentence(self, word):
        for _, s in self.senses(word):
            for e in s["examples"]:
                if word in e.lower().replace(",", " ").replace(".", " ").split():
                    return e[0].upper() + e[1:] + ("" if e[-1] in ".!?" else ".")
        return None

    def synonym(self, word):
        for _, s in self.senses(word):
            others = [w for w in s["words"] if w.lower() != word]
            if others:
                return f"'{others[0]}' is a synonym of '{word}'."
        return None

    def opposite(self, word):
        for pos, _ in POS:
            for off in self.offsets(pos, word):
                s = self.synsets[pos][off]
                for symbol, target, target_pos, source_target in s["pointers"]:
                    source = int(source_target[:2], 16)
                    if symbol == "!" and source > 0 and s["words"][source - 1].lower() == word:
                        target_synset = self.synsets["a" if target_pos == "s" else target_pos][target]
                        antonym = target_synset["words"][int(source_target[2:], 16) - 1]
                        return f"The opposite of '{word}' is '{antonym}'."
        return None

    def kind_of(self, word):
        offsets = self.offsets("n", word)
        if not offsets:
            return None
        for symbol, target, _, _ in self.synsets["n"][offsets[0]]["pointers"]:
            if symbol in ("@", "@i"):
                return f"'{word}' is a kind of {self.synsets['n'][target]['words'][0]}."
        return None


QUESTIONS = [
    ("define", "What does '{w}' mean?"),
    ("sentence", "Use '{w}' in a sentence."),
    ("synonym", "What is a synonym of '{w}'?"),
    ("opposite", "What is the opposite of '{w}'?"),
    ("kind_of", "What is '{w}' a kind of?"),
]


def is_heldout(word):
    return word not in DEMO_WORDS and int(hashlib.sha256(word.encode()).hexdigest(), 16) % 100 == 0


def turns(wn):
    words = sorted({w for pos, _ in POS for w in wn.index[pos] if len(w) > 1 and w.isalpha() and w.isascii() and w.islower()})
    for word in words:
        for kind, question in QUESTIONS:
            answer = getattr(wn, kind)(word)
            if answer is not None:
                yield {"word": word, "kind": kind, "q": question.format(w=word), "a": answer, "common": wn.tagged(word) > 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="folder for train.jsonl and heldout.jsonl")
    parser.add_argument("--define", metavar="WORD", help="print the define turn's answer for WORD")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(WORDNET, "data.noun")):
        sys.exit(f"wordnet_chat.py: no WordNet database in {WORDNET} (apt-get install wordnet-base, or set WORDNET_DIR)")
    wn = WordNet()
    if args.define:
        answer = wn.define(args.define)
        if answer is None:
            sys.exit(f"wordnet_chat.py: '{args.define}' is not in WordNet")
        print(answer)
        return
    if not args.out:
        parser.error("give --out DIR or --define WORD")
    os.makedirs(args.out, exist_ok=True)
    counts = {"train": 0, "heldout": 0}
    with open(os.path.join(args.out, "train.jsonl.tmp"), "w") as train, open(os.path.join(args.out, "heldout.jsonl.tmp"), "w") as heldout:
        for turn in turns(wn):
            split = "heldout" if is_heldout(turn["word"]) else "train"
            (heldout if split == "heldout" else train).write(json.dumps(turn) + "\n")
            counts[split] += 1
    for split in counts:
        os.replace(os.path.join(args.out, split + ".jsonl.tmp"), os.path.join(args.out, split + ".jsonl"))
    print(f"{counts['train']} training turns, {counts['heldout']} held out, in {args.out}")


if __name__ == "__main__":
    main()
