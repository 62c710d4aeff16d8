/**
 * The scheduler: fires due onSchedule triggers as synthetic `schedule` deliveries for the worker.
 * Safe on any number of replicas, since a tick's delivery id is deterministic and accepted once.
 */
import type { Delivery } from "../domain/events.js";
import type { Clock, Logger, Schedule, Store } from "../domain/ports.js";
import { latestTickBetween, nextTickAfter } from "../triggers/cron.js";

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** The longest `start()` waits between looks for due schedules (default 5 s); it wakes at the next due time when that is sooner. */
  intervalMs?: number;
  /** Schedules read per store call (default 100). */
  batchSize?: number;
  /** Called after a tick that fired something, to wake the worker instead of waiting for its poll. */
  wake?: () => void;
}

/** The delivery id of one tick: the same on every replica, so the store accepts it once cluster-wide. */
export function scheduleDeliveryId(schedule: Pick<Schedule, "repository" | "workflowPath" | "triggerIndex">, tick: Date): string {
  return `schedule:${schedule.repository.fullName}:${schedule.workflowPath}:${schedule.triggerIndex}:${tick.toISOString()}`;
}

/** The synthetic `schedule` delivery of one tick: what the scheduler records, and what a dry run of a tick delivers. */
export function scheduleDelivery(
  schedule: Pick<Schedule, "installationId" | "repository" | "workflowPath" | "triggerIndex" | "cron" | "timezone">,
  tick: Date,
  now: Date,
): Delivery {
  const scheduledFor = tick.toISOString();
  return {
    id: scheduleDeliveryId(schedule, tick),
    event: "schedule",
    installationId: schedule.installationId,
    repository: schedule.repository,
    triggers: [{ kind: "schedule", workflowPath: schedule.workflowPath, triggerIndex: schedule.triggerIndex, scheduledFor }],
    payload: { schedule: { cron: schedule.cron, timezone: schedule.timezone, scheduledFor } },
    receivedAt: now.toISOString(),
  };
}

/**
 * Fires due onSchedule triggers as synthetic `schedule` deliveries, which the worker then turns
 * into runs like any webhook. Any number of replicas may run one: a tick's delivery id is
 * deterministic (the store accepts it once), and `markScheduleFired` only moves forward.
 * After downtime a schedule fires once, for its latest missed tick.
 */
export class Scheduler {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  readonly #wake: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #inFlight: Promise<number> | undefined;

  constructor(options: SchedulerOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#intervalMs = Math.max(1, options.intervalMs ?? 5_000);
    this.#batchSize = Math.max(1, Math.trunc(options.batchSize ?? 100));
    this.#wake = options.wake;
  }

  /** Fires every due schedule once; resolves with how many ticks this call fired. Overlapping calls share one pass. */
  tick(): Promise<number> {
    this.#inFlight ??= this.#tick().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  /** Ticks now, then every interval, until stopped; does nothing when already started. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm(0);
  }

  /** Stops ticking; resolves once a tick in progress has finished. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight?.catch(() => undefined);
  }

  // One timer at a time, re-armed after each pass: a slow pass never overlaps the next.
  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.tick()
        .catch((err: unknown) => this.#log.error({ err }, "scheduler: cannot read due schedules; will try again"))
        .then(() => this.#untilNextDue())
        .catch(() => this.#intervalMs)
        .then((delay) => {
          if (this.#running) this.#arm(delay);
        });
    }, delayMs);
    // Never keeps a process alive on its own (tests, the CLI); the app's server does that.
    this.#timer.unref?.();
  }

  /** How long to sleep: until the next schedule is due (a tick fires on time), at most the interval. */
  async #untilNextDue(): Promise<number> {
    const next = await this.#store.nextScheduleDue();
    if (!next) return this.#intervalMs;
    return Math.min(this.#intervalMs, Math.max(10, next.getTime() - this.#clock.now().getTime()));
  }

  async #tick(): Promise<number> {
    const now = this.#clock.now();
    const seen = new Set<string>();
    let fired = 0;
    for (;;) {
      const due = await this.#store.dueSchedules(now, this.#batchSize);
      const fresh = due.filter((s) => !seen.has(s.id));
      for (const schedule of fresh) seen.add(schedule.id);
      // A batch's schedules fire together: their deliveries share the store's group commit
      // (each schedule still records its delivery before its mark), and the worker is woken
      // for each batch instead of after the whole pass.
      const outcomes = await Promise.all(fresh.map((schedule) => this.#fire(schedule, now)));
      const batchFired = outcomes.filter(Boolean).length;
      fired += batchFired;
      if (batchFired > 0) this.#wake?.();
      // A schedule that could not be advanced comes back in the next batch: stop at it.
      if (due.length < this.#batchSize || fresh.length === 0) break;
    }
    return fired;
  }

  /** Fires one schedule's latest due tick; true when this call's delivery was the one recorded. */
  async #fire(schedule: Schedule, now: Date): Promise<boolean> {
    const ctx = { scheduleId: schedule.id, repository: schedule.repository.fullName, workflowPath: schedule.workflowPath, triggerIndex: schedule.triggerIndex };
    let tick: Date | undefined;
    let next: Date | undefined;
    try {
      tick = latestTickBetween(schedule.cron, schedule.timezone, new Date(schedule.lastTickAt ?? schedule.createdAt), now);
      // From now, not from the tick: the next due time is always in the future, so a
      // schedule never fires twice in one catch-up.
      next = nextTickAfter(schedule.cron, schedule.timezone, now);
    } catch (err) {
      // Not a valid pattern or zone (a row from an older version): park it until a refresh.
      this.#log.error({ ...ctx, err, cron: schedule.cron, timezone: schedule.timezone }, "schedule cannot be computed; parked until its workflow changes");
      await this.#guard(ctx, () => this.#store.deferSchedule(schedule.id, schedule.lastTickAt, undefined));
      return false;
    }
    if (!tick) {
      // Due, yet no tick since the last one (its due time was computed elsewhere): just move it on.
      await this.#guard(ctx, () => this.#store.deferSchedule(schedule.id, schedule.lastTickAt, next));
      return false;
    }
    const scheduledFor = tick.toISOString();
    const delivery = scheduleDelivery(schedule, tick, now);
    // Delivery first, then the mark: a crash in between leaves the schedule due, and the next
    // pass finds the same tick, whose delivery the store then refuses as a replay.
    const accepted = await this.#guard(ctx, () => this.#store.acceptDelivery(delivery));
    if (accepted === undefined) return false;
    await this.#guard(ctx, () => this.#store.markScheduleFired(schedule.id, tick, next));
    if (accepted) this.#log.info({ ...ctx, deliveryId: delivery.id, scheduledFor, nextDueAt: next?.toISOString() }, "schedule fired");
    return accepted;
  }

  /** Runs a store call for one schedule; a failure is logged and left for the next pass, never thrown. */
  async #guard<T>(ctx: Record<string, unknown>, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      this.#log.error({ ...ctx, err }, "schedule not advanced; will try again on the next pass");
      return undefined;
    }
  }
}
