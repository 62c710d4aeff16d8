// Section `schedules`: 10,000 schedules (quick: 1,000) due at one tick; how long until their
// runs have all started?
//
// Repositories: 50 per installation (installations 2001, 2002, ...; under the 80 creates a
// minute an installation may make, so pacing does not decide the result), each serving one
// workflow, `.governance/tick.yml`, with an `onSchedule` trigger on `* * * * *` (every minute)
// and one notify step. The schedules are seeded before the app starts, through the built store
// (dist/store/sqlite-store.js: openSqliteStore + replaceSchedules, as the schedule index
// writes them), into the SQLite file the app then opens; each is due at the same minute
// boundary T, the first one far enough ahead for the seeding and the app's start. The
// stand-in lists no installations, so the app's start-up re-indexing leaves the seeded rows be.
//
// From T on, the section reads the app's SQLite file (read-only, every 100 ms) for tick T's
// schedule deliveries (fired), runs (created) and runs with started_at (started); if that
// schema cannot be read, a run counts as started when its check run is created at the
// stand-in (the runner creates it as the run begins, on the default branch head). Goal: all
// started within 5 s of T. This waits for a real tick: up to a minute before T, then at most
// 40 s after it in quick mode (4 min in a full run).
import Database from "better-sqlite3";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startGitHubStandIn } from "../standin/github.mjs";
import { sleep, startApp } from "../lib/common.mjs";
import { ROOT } from "../lib/processes.mjs";
import { repoFor } from "../lib/naming.mjs";

// 50 repositories per installation: each run creates one check run, and the app paces
// content-creating requests at 80 a minute per installation (pacing is on, as by default).
const PER_INSTALLATION = 50;
const TICK_WORKFLOW = `name: Every minute
version: 1.0.0
triggers:
  - type: onSchedule
    config:
      cron: "* * * * *"
steps:
  - id: tell
    type: action
    action:
      kind: notify
      parameters:
        channel: "#sec-team"
        message: tick
`;

/**
 * Counts in the app's database for the tick (a schedule delivery's id ends with the tick's ISO
 * time); a field is undefined when the schema differs (the engine is being rewritten).
 */
function dbCounts(db, tickIso) {
  const one = (sql) => {
    try {
      return db.prepare(sql).get(`schedule:%:${tickIso}`).n;
    } catch {
      return undefined;
    }
  };
  return {
    fired: one("select count(*) as n from deliveries where id like ?"),
    runs: one("select count(*) as n from runs where delivery_id like ?"),
    started: one("select count(*) as n from runs where delivery_id like ? and started_at is not null"),
  };
}

export async function run(ctx) {
  const count = ctx.quick ? 1000 : 10_000;
  const installations = Math.ceil(count / PER_INSTALLATION);
  const standIn = await startGitHubStandIn({
    installations: 0,
    reposPerInstallation: PER_INSTALLATION,
    governanceFor: () => ({ "tick.yml": TICK_WORKFLOW }),
  });
  const dbPath = join(ctx.workDir, "bench.db");
  try {
    // The tick: the first minute boundary at least `lead` from now.
    const lead = ctx.quick ? 6000 : 20_000;
    const tick = Math.ceil((Date.now() + lead) / 60_000) * 60_000;
    const seedStart = Date.now();
    const { openSqliteStore } = await import(pathToFileURL(join(ROOT, "dist/store/sqlite-store.js")).href);
    const store = await openSqliteStore(dbPath);
    try {
      for (let i = 0; i < count; i++) {
        const installationId = 2001 + Math.floor(i / PER_INSTALLATION);
        const r = repoFor(installationId, i % PER_INSTALLATION);
        const repository = { id: r.id, owner: r.owner, name: r.name, fullName: r.fullName, defaultBranch: r.defaultBranch, url: `https://github.com/${r.fullName}` };
        const entry = { workflowPath: ".governance/tick.yml", triggerIndex: 0, cron: "* * * * *", timezone: "UTC", nextDueAt: new Date(tick) };
        // "Now" for the row: half a minute before the tick, so that T is its one due tick.
        await store.replaceSchedules(repository, installationId, [entry], new Date(tick - 30_000));
      }
    } finally {
      await store.close();
    }
    const seedMs = Date.now() - seedStart;
    const app = await startApp({ standIn, workDir: ctx.workDir });
    const readyAt = Date.now();
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const progress = [];
    let allStartedAt;
    let firstStartedAt;
    let allFiredAt;
    try {
      standIn.reset();
      ctx.log(`schedules: ${count} seeded in ${(seedMs / 1000).toFixed(1)} s; waiting ${((tick - Date.now()) / 1000).toFixed(0)} s for the tick at ${new Date(tick).toISOString()}`);
      await sleep(tick - Date.now());
      // Quick mode allows 40 s after the tick (the scheduler looks every 30 s today), a full run 4 min.
      const end = Math.min(ctx.deadline - 5000, tick + (ctx.quick ? 40_000 : 240_000));
      const tickIso = new Date(tick).toISOString();
      const sample = () => {
        const counts = dbCounts(db, tickIso);
        // Started: the runs table says so; without it (a schema we cannot read), the check runs
        // created at the stand-in (which may include runs of the next tick).
        const started = counts.started ?? standIn.stats.checkRuns.created;
        return { at: Date.now(), sinceTickS: (Date.now() - tick) / 1000, started, checkRunsCreated: standIn.stats.checkRuns.created, ...counts, startedFrom: counts.started === undefined ? "stand-in" : "runs table" };
      };
      for (;;) {
        const now = sample();
        if (now.started > 0 && firstStartedAt === undefined) firstStartedAt = now.at;
        if (now.fired >= count && allFiredAt === undefined) allFiredAt = now.at;
        if (progress.length === 0 || now.at - progress.at(-1).at >= 1000) progress.push(now);
        if (now.started >= count) {
          allStartedAt = now.at;
          break;
        }
        if (now.at >= end) break;
        await sleep(100);
      }
      progress.push(sample());
    } finally {
      db.close();
      await app.stop();
    }
    const last = progress.at(-1);
    ctx.detail("measured", { count, installations, tick: new Date(tick).toISOString(), seedMs, appReadyBeforeTickMs: tick - readyAt, progress });
    ctx.row("schedules due at one tick", count, { note: readyAt > tick ? "the app was ready only after the tick" : `seeded in ${(seedMs / 1000).toFixed(1)} s` });
    const allS = allStartedAt === undefined ? null : (allStartedAt - tick) / 1000;
    ctx.row("tick → all runs started", allS, {
      unit: "s",
      goal: "<= 5 s",
      pass: allS !== null && allS <= 5,
      note: allS === null ? `out of time: ${last.started} of ${count} started ${last.sinceTickS.toFixed(0)} s after the tick (${last.startedFrom})` : `counted from the ${last.startedFrom}`,
    });
    ctx.row("tick → first run started", firstStartedAt === undefined ? null : (firstStartedAt - tick) / 1000, { unit: "s" });
    ctx.row("tick → all ticks fired (deliveries stored)", allFiredAt === undefined ? null : (allFiredAt - tick) / 1000, {
      unit: "s",
      note: allFiredAt === undefined ? `${last.fired ?? "?"} of ${count} fired; ${last.runs ?? "?"} runs created` : `${last.runs ?? "?"} runs created`,
    });
  } finally {
    await standIn.close();
  }
}
