/**
 * The `onSchedule` trigger type: a cron pattern in a time zone. The scheduler (engine/scheduler.ts)
 * makes one event per tick that names its workflow by path and trigger index; a tick is one run
 * however many replicas or redeliveries bring it.
 */
import { Cron } from "croner";
import type { TriggerDefinition } from "./types.js";

export const onSchedule: TriggerDefinition<"onSchedule", "schedule"> = {
  type: "onSchedule",
  event: "schedule",
  check({ cron, timezone }, path, report) {
    const fields = cron.trim().split(/\s+/);
    if (!cron.trim().startsWith("@") && fields.length !== 5) {
      report([...path, "cron"], `"${cron}" must have five fields (minute hour day-of-month month day-of-week), not ${fields.length}`);
    } else {
      try {
        new Cron(cron, { paused: true });
      } catch (err) {
        report([...path, "cron"], `"${cron}" is not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, "")}`);
      }
    }
    if (timezone !== undefined && !isTimeZone(timezone)) {
      report([...path, "timezone"], `"${timezone}" is not a known time zone (use an IANA name such as Europe/Kyiv or UTC)`);
    }
  },
  // The workflow at the tick's path, if it still has that onSchedule trigger.
  async select(event, workflows) {
    const entry = workflows.find((w) => w.path === event.workflowPath);
    if (!entry || entry.workflow.triggers[event.triggerIndex]?.type !== "onSchedule") {
      return { skipped: "the scheduled workflow or its trigger no longer exists on the default branch; skipping the tick" };
    }
    return { entry, triggerIndex: event.triggerIndex };
  },
  variables: [],
  context: () => ({}),
  dedupeKey: (event, { workflowId }) => `schedule:${workflowId}:${event.scheduledFor}`,
  mayHaveDiscussion: false,
  describe: (event) => ({ kind: "schedule", scheduledFor: event.scheduledFor }),
};

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
