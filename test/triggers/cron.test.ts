import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { latestTickBetween, nextTickAfter } from "../../src/triggers/cron.js";

const d = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();

/** The latest tick by brute force: every tick after `after`, one by one (only for short ranges). */
function bruteLatest(cron: string, timezone: string, after: Date, upTo: Date): string | undefined {
  const job = new Cron(cron, { paused: true, timezone });
  let latest: Date | undefined;
  for (let t = job.nextRun(after); t && t <= upTo; t = job.nextRun(t)) latest = t;
  return iso(latest);
}

describe("latestTickBetween", () => {
  it("returns the tick in (after, upTo], upTo included and after excluded", () => {
    expect(iso(latestTickBetween("0 9 * * *", "UTC", d("2030-01-01T08:00:00Z"), d("2030-01-01T09:00:00Z")))).toBe("2030-01-01T09:00:00.000Z");
    expect(latestTickBetween("0 9 * * *", "UTC", d("2030-01-01T09:00:00Z"), d("2030-01-01T12:00:00Z"))).toBeUndefined();
    expect(latestTickBetween("0 9 * * *", "UTC", d("2030-01-01T08:00:00Z"), d("2030-01-01T08:59:59.999Z"))).toBeUndefined();
  });

  it("returns nothing for an empty or reversed range", () => {
    const t = d("2030-01-01T09:00:00Z");
    expect(latestTickBetween("* * * * *", "UTC", t, t)).toBeUndefined();
    expect(latestTickBetween("* * * * *", "UTC", t, d("2030-01-01T08:00:00Z"))).toBeUndefined();
  });

  it("catch-up: after many missed ticks, only the latest", () => {
    // Down from Monday 08:00 to Thursday 10:30: ticks Mon, Tue, Wed and Thu 09:00 were missed.
    expect(iso(latestTickBetween("0 9 * * *", "UTC", d("2030-01-07T08:00:00Z"), d("2030-01-10T10:30:00Z")))).toBe("2030-01-10T09:00:00.000Z");
  });

  it("defaults the time zone to UTC", () => {
    expect(iso(latestTickBetween("30 6 * * *", undefined, d("2030-06-01T00:00:00Z"), d("2030-06-01T07:00:00Z")))).toBe("2030-06-01T06:30:00.000Z");
  });

  it("a year of per-minute ticks is not walked one by one", () => {
    const started = performance.now();
    expect(iso(latestTickBetween("* * * * *", "Europe/Kyiv", d("2029-01-01T00:00:00Z"), d("2030-01-01T12:34:56.789Z")))).toBe("2030-01-01T12:34:00.000Z");
    expect(iso(latestTickBetween("*/7 * * * *", "UTC", d("2020-01-01T00:00:00Z"), d("2030-03-03T03:03:03Z")))).toBe("2030-03-03T03:00:00.000Z");
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("finds sparse ticks far back: yearly, leap days, bursts", () => {
    expect(iso(latestTickBetween("@yearly", "UTC", d("2001-06-01T00:00:00Z"), d("2030-06-01T00:00:00Z")))).toBe("2030-01-01T00:00:00.000Z");
    expect(iso(latestTickBetween("0 12 29 2 *", "UTC", d("2000-01-01T00:00:00Z"), d("2030-06-01T00:00:00Z")))).toBe("2028-02-29T12:00:00.000Z");
    // Every minute of 09:xx only: the latest is yesterday's 09:59, not one of today's hours.
    expect(iso(latestTickBetween("* 9 * * *", "UTC", d("2029-01-01T00:00:00Z"), d("2030-01-02T08:00:00Z")))).toBe("2030-01-01T09:59:00.000Z");
    expect(latestTickBetween("0 0 30 2 *", "UTC", d("2000-01-01T00:00:00Z"), d("2030-01-01T00:00:00Z"))).toBeUndefined();
  });

  it("agrees with walking every tick, over many ranges", () => {
    const cases: Array<[string, string]> = [
      ["*/5 * * * *", "UTC"],
      ["15 */3 * * 1-5", "America/New_York"],
      ["0 9 * * MON", "Europe/Kyiv"],
      ["0 0 1,15 * *", "Asia/Kolkata"],
      ["0 0 1,15 * *", "UTC"],
      ["@hourly", "Australia/Lord_Howe"],
    ];
    let seed = 42;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const [cron, tz] of cases) {
      for (let i = 0; i < 12; i++) {
        const after = new Date(Date.UTC(2030, 0, 1) + Math.floor(random() * 300 * 86_400_000));
        const upTo = new Date(after.getTime() + Math.floor(random() * 3 * 86_400_000));
        expect(iso(latestTickBetween(cron, tz, after, upTo)), `${cron} ${tz} ${after.toISOString()}..${upTo.toISOString()}`).toBe(bruteLatest(cron, tz, after, upTo));
      }
    }
  });

  it("nicknames", () => {
    const after = d("2030-01-15T10:17:00Z");
    const upTo = d("2030-04-20T13:45:00Z");
    expect(iso(latestTickBetween("@hourly", "UTC", after, upTo))).toBe("2030-04-20T13:00:00.000Z");
    expect(iso(latestTickBetween("@daily", "UTC", after, upTo))).toBe("2030-04-20T00:00:00.000Z");
    // 2030-04-20 is a Saturday; @weekly is Sunday 00:00.
    expect(iso(latestTickBetween("@weekly", "UTC", after, upTo))).toBe("2030-04-14T00:00:00.000Z");
    expect(iso(latestTickBetween("@monthly", "UTC", after, upTo))).toBe("2030-04-01T00:00:00.000Z");
    expect(latestTickBetween("@yearly", "UTC", after, upTo)).toBeUndefined();
    expect(latestTickBetween("@annually", "UTC", after, upTo)).toBeUndefined();
  });

  it("keeps wall-clock time across the DST change in Europe/Kyiv", () => {
    // Kyiv: UTC+2 in winter, UTC+3 from 2025-03-30 03:00 local.
    const tz = "Europe/Kyiv";
    expect(iso(latestTickBetween("0 9 * * *", tz, d("2025-03-28T12:00:00Z"), d("2025-03-29T12:00:00Z")))).toBe("2025-03-29T07:00:00.000Z");
    expect(iso(latestTickBetween("0 9 * * *", tz, d("2025-03-29T12:00:00Z"), d("2025-03-30T12:00:00Z")))).toBe("2025-03-30T06:00:00.000Z");
    // Catch-up over the change: the latest tick is the summer-time one.
    expect(iso(latestTickBetween("0 9 * * *", tz, d("2025-03-20T00:00:00Z"), d("2025-04-02T08:00:00Z")))).toBe("2025-04-02T06:00:00.000Z");
    // 03:30 does not exist on 2025-03-30: the tick falls an hour later (04:30 summer time).
    expect(iso(latestTickBetween("30 3 * * *", tz, d("2025-03-29T12:00:00Z"), d("2025-03-30T12:00:00Z")))).toBe("2025-03-30T01:30:00.000Z");
    // 03:30 happens twice on 2025-10-26: one tick, not two.
    let ticks = 0;
    for (let t = d("2025-10-25T21:00:00Z"); t < d("2025-10-26T05:00:00Z"); t = new Date(t.getTime() + 60_000)) {
      if (latestTickBetween("30 3 * * *", tz, t, new Date(t.getTime() + 60_000))) ticks++;
    }
    expect(ticks).toBe(1);
  });

  it("refuses patterns and zones the validator refuses", () => {
    const [a, b] = [d("2030-01-01T00:00:00Z"), d("2030-01-02T00:00:00Z")];
    expect(() => latestTickBetween("0 9 * *", "UTC", a, b)).toThrow(RangeError);
    expect(() => latestTickBetween("0 0 9 * * *", "UTC", a, b)).toThrow(/five-field/);
    expect(() => latestTickBetween("61 * * * *", "UTC", a, b)).toThrow(RangeError);
    expect(() => latestTickBetween("0 9 * * *", "Mars/Olympus_Mons", a, b)).toThrow(/Mars\/Olympus_Mons/);
  });
});

describe("nextTickAfter", () => {
  it("is strictly after the instant given", () => {
    expect(iso(nextTickAfter("0 9 * * *", "UTC", d("2030-01-01T09:00:00Z")))).toBe("2030-01-02T09:00:00.000Z");
    expect(iso(nextTickAfter("0 9 * * *", "UTC", d("2030-01-01T08:59:59.999Z")))).toBe("2030-01-01T09:00:00.000Z");
  });

  it("honours the time zone, the README's example included", () => {
    // "0 9 * * MON" in Kyiv: Monday 09:00 local, 07:00Z in winter.
    expect(iso(nextTickAfter("0 9 * * MON", "Europe/Kyiv", d("2030-01-01T00:00:00Z")))).toBe("2030-01-07T07:00:00.000Z");
    expect(iso(nextTickAfter("0 9 * * MON", "Europe/Kyiv", d("2030-07-01T00:00:00Z")))).toBe("2030-07-01T06:00:00.000Z");
  });

  it("does not depend on the process's own time zone", () => {
    expect(iso(nextTickAfter("0 9 * * *", undefined, d("2030-01-01T00:00:00Z")))).toBe("2030-01-01T09:00:00.000Z");
    expect(iso(nextTickAfter("0 9 * * *", "Etc/UTC", d("2030-01-01T00:00:00Z")))).toBe("2030-01-01T09:00:00.000Z");
  });

  it("returns undefined for a pattern that never fires", () => {
    expect(nextTickAfter("0 0 30 2 *", "UTC", d("2030-01-01T00:00:00Z"))).toBeUndefined();
  });
});
