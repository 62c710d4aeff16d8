import { describe, expect, it } from "vitest";
import { anyGlobMatch, globMatch } from "../../src/triggers/glob.js";

describe("globMatch", () => {
  it.each([
    // `**`: any number of segments, zero included
    ["release/**", "release/1.0", true],
    ["release/**", "release/a/b", true],
    ["release/**", "release", true],
    ["release/**", "releases/1.0", false],
    ["**", "a/b/c", true],
    ["**", "", true],
    ["**/*.yml", ".governance/fix.yml", true],
    ["**/*.yml", "fix.yml", true],
    ["a/**/b", "a/b", true],
    ["a/**/b", "a/x/y/b", true],
    ["a/**/b", "a/x/y/c", false],
    ["**/**/x", "x", true],
    // `*`: within one segment
    ["*.ts", "index.ts", true],
    ["*.ts", "src/index.ts", false],
    ["*.ts", ".ts", true],
    ["*", "main", true],
    ["*", "feature/x", false],
    ["src/*", "src/a.ts", true],
    ["src/*", "src/a/b.ts", false],
    ["src/**/*.ts", "src/a.ts", true],
    ["src/**/*.ts", "src/x/y/a.ts", true],
    ["src/**/*.ts", "src/x/y/a.js", false],
    ["src/**/*.ts", "lib/a.ts", false],
    ["a**b", "axxb", true], // `**` inside a segment is just `*`
    ["a**b", "ax/xb", false],
    ["*a*b*", "xxaxxbxx", true],
    ["*a*b*", "xxbxxaxx", false],
    // `?`: one character, never `/`
    ["v?", "v1", true],
    ["v?", "v", false],
    ["v?", "v12", false],
    ["a?b", "a/b", false],
    ["?", "😀", true], // one character, even outside the BMP
    ["??", "😀", false],
    // everything else is literal
    ["main", "main", true],
    ["main", "Main", false],
    ["{a,b}", "a", false],
    ["{a,b}", "{a,b}", true],
    ["[ab]", "a", false],
    ["[ab]", "[ab]", true],
    ["a.b", "axb", false],
    ["a+", "aa", false],
    ["(a|b)", "(a|b)", true],
    ["!main", "dev", false],
    ["\\*", "x", false],
    ["\\*", "\\x", true],
    ["package.json", "package.json", true],
    ["package.json", "sub/package.json", false],
  ])("%j vs %j → %s", (pattern, path, expected) => {
    expect(globMatch(pattern, path)).toBe(expected);
  });

  it("anyGlobMatch is true when one of the patterns matches", () => {
    expect(anyGlobMatch(["main", "release/**"], "release/2.0")).toBe(true);
    expect(anyGlobMatch(["main", "release/**"], "develop")).toBe(false);
    expect(anyGlobMatch([], "main")).toBe(false);
  });
});

/** A second, naive implementation of the same semantics: exponential, so only for tiny inputs. */
function reference(pattern: string, path: string): boolean {
  const p = pattern.split("/");
  const s = path.split("/");
  const seg = (pt: string[], st: string[]): boolean => {
    if (pt.length === 0) return st.length === 0;
    const [head, ...rest] = pt;
    if (head === "*") return seg(rest, st) || (st.length > 0 && seg(pt, st.slice(1)));
    if (st.length === 0) return false;
    return (head === "?" || head === st[0]) && seg(rest, st.slice(1));
  };
  const segs = (i: number, j: number): boolean => {
    if (i === p.length) return j === s.length;
    if (p[i] === "**") return segs(i + 1, j) || (j < s.length && segs(i, j + 1));
    return j < s.length && seg(Array.from(p[i]!), Array.from(s[j]!)) && segs(i + 1, j + 1);
  };
  return segs(0, 0);
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("globMatch agrees with a naive reference on small inputs", () => {
  it("1,000 random cases", () => {
    const rnd = random(42);
    const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!;
    let matches = 0;
    const disagreements: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const pattern = Array.from({ length: 1 + Math.floor(rnd() * 7) }, () => pick(["a", "b", "*", "?", "/", "**", "/**/"])).join("");
      const path = Array.from({ length: Math.floor(rnd() * 9) }, () => pick(["a", "b", "a", "/"])).join("");
      const expected = reference(pattern, path);
      if (expected) matches++;
      if (globMatch(pattern, path) !== expected) disagreements.push(`${JSON.stringify(pattern)} vs ${JSON.stringify(path)}: expected ${expected}`);
    }
    expect(disagreements).toEqual([]);
    // The generator must produce both outcomes, or the comparison proves little.
    expect(matches).toBeGreaterThan(50);
    expect(matches).toBeLessThan(950);
  });
});

describe("hostile patterns against 10,000-character paths (ReDoS)", () => {
  const rnd = random(7);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

  /** Segments of a's and b's, 1 to 30 long, joined by `/`: exactly `length` characters. */
  function randomPath(length: number): string {
    let out = "";
    while (out.length < length) {
      for (let i = int(1, 30); i > 0; i--) out += rnd() < 0.5 ? "a" : "b";
      out += "/";
    }
    return out.slice(0, length - 1) + "a";
  }

  /** A pattern that matches `path` by construction: `**` then its last segments, blurred with `*` and `?`. */
  function patternFor(path: string): string {
    const segments = path.split("/");
    const tail = segments.slice(-int(1, Math.min(7, segments.length))); // at most 7 × 31 characters: within the cap
    const blurred = tail.map((segment) => {
      let out = "";
      for (let i = 0; i < segment.length; i++) {
        const r = rnd();
        if (r < 0.2) {
          out += "*";
          i += int(0, 3); // the star swallows a few characters
        } else out += r < 0.4 ? "?" : segment[i];
      }
      return out;
    });
    return ["**", ...blurred].join("/");
  }

  const cases: Array<{ pattern: string; path: string; expected: boolean }> = [];
  const aaa = "a".repeat(10_000);
  const deep = "a/".repeat(4_999) + "a"; // 9,999 characters, 5,000 segments
  for (let k = 2; k < 42; k++) {
    const stars = "*a".repeat(k) + "*b";
    cases.push({ pattern: stars, path: aaa, expected: false });
    cases.push({ pattern: stars, path: aaa.slice(1) + "b", expected: true });
    const chain = "**/".repeat(k) + "x";
    cases.push({ pattern: chain, path: deep, expected: false });
    cases.push({ pattern: chain, path: deep + "/x", expected: true });
    const mixed = "**/a/".repeat(1 + (k % 8)) + "**/" + "*a".repeat(k) + "*b";
    cases.push({ pattern: mixed, path: deep, expected: false });
  }
  for (let n = 0; n < 25; n++) {
    const path = randomPath(10_000);
    for (const pattern of [patternFor(path), patternFor(path)]) {
      cases.push({ pattern, path, expected: true });
      // A literal the path never contains: no way to match, however the wildcards fall.
      cases.push({ pattern: pattern + "c", path, expected: false });
    }
  }

  it("has 200 fuzzed patterns within the schema's 256-character cap", () => {
    expect(new Set(cases.map((c) => c.pattern)).size).toBeGreaterThanOrEqual(200);
    expect(cases.every((c) => c.pattern.length <= 256 && c.path.length >= 9_999)).toBe(true);
  });

  it("answers each of them correctly (and quickly: the file runs in well under a second)", () => {
    const wrong = cases.filter((c) => globMatch(c.pattern, c.path) !== c.expected).map((c) => `${c.pattern}: expected ${c.expected}`);
    expect(wrong).toEqual([]);
  });
});
