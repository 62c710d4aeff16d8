/**
 * The trigger types the app knows: the built-in ones, and any registered beside them. The
 * validator, the matcher, the engine and the actions ask here instead of switching on a
 * trigger's type.
 *
 * To add a trigger type: write its module (a `TriggerDefinition`; see on-pr.ts), add its config
 * to `TriggerMap` (domain/workflow.ts) and its event to `TriggerEventMap` (domain/events.ts),
 * and its schema as src/triggers/<type>.schema.json; then list it in BUILT_IN below. A type
 * from outside the app (a plugin, a test) calls `registerTriggerType` with its `schema` instead.
 */
import type { TriggerEvent, TriggerEventKind } from "../domain/events.js";
import type { TriggerType } from "../domain/workflow.js";
import { manual } from "./manual.js";
import { onPR } from "./on-pr.js";
import { onScanResult } from "./on-scan-result.js";
import { onSchedule } from "./on-schedule.js";
import type { TriggerDefinition } from "./types.js";

// Any definition, whatever its type parameters: the registry hands each event only to the
// definition of its own kind.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDefinition = TriggerDefinition<any, any>;

const BUILT_IN: readonly AnyDefinition[] = [onPR, onScanResult, onSchedule, manual];

const byType = new Map<string, AnyDefinition>(BUILT_IN.map((d) => [d.type, d]));
let generation = 0;

/** The definition of a trigger type, if it is known. */
export function triggerType(type: string): AnyDefinition | undefined {
  return byType.get(type);
}

/** Every known trigger type, the built-in ones first. */
export function triggerTypes(): readonly AnyDefinition[] {
  return [...byType.values()];
}

/** The trigger types an event of this kind starts (none for the engine's own events: signals, re-runs). */
export function triggerTypesFor(kind: TriggerEventKind): AnyDefinition[] {
  return [...byType.values()].filter((d) => d.event === kind);
}

/** The definition for an event's kind; undefined for the engine's own events. */
export function definitionFor(event: TriggerEvent): AnyDefinition | undefined {
  for (const d of byType.values()) if (d.event === event.kind) return d;
  return undefined;
}

/** Whether a definition is built in (its schema is in the published schema file). */
export function isBuiltIn(definition: AnyDefinition): boolean {
  return BUILT_IN.includes(definition);
}

/**
 * Adds a trigger type. It needs a `schema` (the built-in ones have theirs in the published
 * schema file), a type name and an event kind no other trigger type has, and `webhooks` for
 * its events to arrive. Register before the app starts: the webhook routes are set up then.
 */
export function registerTriggerType<T extends TriggerType, K extends TriggerEventKind>(definition: TriggerDefinition<T, K>): void {
  if (byType.has(definition.type)) throw new Error(`trigger type ${definition.type} is registered already`);
  // One type per event kind: a run's texts, dedupe key and discussion come from its event's type.
  const sharing = [...byType.values()].find((d) => d.event === definition.event);
  if (sharing) throw new Error(`trigger type ${definition.type}: ${definition.event} events already start ${sharing.type} triggers; give it an event kind of its own`);
  if (!definition.schema) throw new Error(`trigger type ${definition.type} needs a schema for its config`);
  if (!definition.match === !definition.select) throw new Error(`trigger type ${definition.type} needs exactly one of match and select`);
  byType.set(definition.type, definition);
  generation++;
}

/** Removes a registered trigger type (the built-in ones stay). */
export function unregisterTriggerType(type: string): void {
  const d = byType.get(type);
  if (!d || isBuiltIn(d)) return;
  byType.delete(type);
  generation++;
}

/** Changes whenever the set of trigger types does: caches built from it (the schema validator, the expression environment) compare it. */
export function triggerGeneration(): number {
  return generation;
}

let variables: { generation: number; names: readonly string[] } | undefined;

/** Every expression variable a trigger type fills, each once (asked for every step's context: kept until the types change). */
export function triggerVariables(): readonly string[] {
  if (variables?.generation !== generation) variables = { generation, names: [...new Set([...byType.values()].flatMap((d) => d.variables))] };
  return variables.names;
}
