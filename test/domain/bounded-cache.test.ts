import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../src/domain/bounded-cache.js";

describe("BoundedCache", () => {
  it("keeps at most maxEntries, dropping the least recently used", () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the most recent
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.size).toBe(2);
  });

  it("keeps the total weight within maxWeight, however few the entries", () => {
    const cache = new BoundedCache<string, string>(1000, 100);
    cache.set("a", "x", 40);
    cache.set("b", "y", 40);
    cache.set("c", "z", 40);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.weight).toBe(80);
    // One heavier than the whole budget is not kept, and drops nothing.
    cache.set("huge", "w", 101);
    expect(cache.get("huge")).toBeUndefined();
    expect([cache.get("b"), cache.get("c")]).toEqual(["y", "z"]);
    // Replacing a key replaces its weight.
    cache.set("b", "y2", 10);
    expect(cache.weight).toBe(50);
    expect(cache.delete("b")).toBe(true);
    expect(cache.delete("b")).toBe(false);
    expect(cache.weight).toBe(40);
  });

  it("reweighs a kept value only if it is still the one under its key", () => {
    const cache = new BoundedCache<string, { v: number }>(10, 100);
    const first = { v: 1 };
    cache.set("k", first, 1);
    const second = { v: 2 };
    cache.set("k", second, 1);
    cache.reweigh("k", first, 90); // stale: ignored
    expect(cache.weight).toBe(1);
    cache.set("other", { v: 3 }, 50);
    cache.reweigh("k", second, 60); // now past the bound together: the older one goes
    expect(cache.get("k")).toBe(second);
    expect(cache.get("other")).toBeUndefined();
    expect(cache.weight).toBe(60);
  });
});
