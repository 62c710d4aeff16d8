/**
 * Slash commands in issue and pull request comments: `/governance run`, `/governance cancel`,
 * `/approve` and `/reject`. Parsing only: who may run them is decided later, by the engine.
 */
import { didYouMean } from "../domain/suggest.js";
import { quoteUserText } from "../domain/text.js";

/** What a comment asks for. `invalid` is a command meant for us that cannot be understood. */
export type Command =
  | { type: "run"; workflow: string; inputs: Record<string, string> }
  | { type: "approve"; comment?: string }
  | { type: "reject"; comment?: string }
  | { type: "cancel" }
  | { type: "invalid"; message: string };

/** Bounds on what one comment can make the parser do. */
export const COMMAND_LIMITS = { maxInputs: 50, maxValueLength: 4000, maxLineLength: 10_000 } as const;

/** The usage line shown with every `/governance run` error. */
export const RUN_USAGE = 'usage: /governance run <workflow> [key=value …] (quote text with spaces: reason="two words")';

const USAGE = `${RUN_USAGE}, or /governance cancel`;
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The command on a comment's first non-empty line, or undefined when the comment holds none.
 * Text before the command, a quote (`>`) or a code block (fenced, or indented by four columns)
 * is not a command: people show commands that way without meaning to run them.
 */
export function parseCommand(body: string): Command | undefined {
  const line = firstLine(body);
  if (!line) return undefined;
  const word = /^\S+/.exec(line.text)![0];
  const rest = line.text.slice(word.length);
  switch (word.toLowerCase()) {
    case "/approve":
    case "/reject": {
      const comment = rest.trim() + (line.cut ? "…" : "");
      return { type: word.toLowerCase() === "/approve" ? "approve" : "reject", ...(comment ? { comment } : {}) };
    }
    case "/governance":
      return governance(rest, line.cut);
    default:
      return undefined;
  }
}

/** The first line with text, at most `maxLineLength` characters of it; undefined when it is indented code. */
function firstLine(body: string): { text: string; cut: boolean } | undefined {
  const start = body.search(/\S/);
  if (start < 0) return undefined;
  const lineStart = Math.max(body.lastIndexOf("\n", start), body.lastIndexOf("\r", start)) + 1;
  if (columns(body.slice(lineStart, start)) >= 4) return undefined;
  // Only a bounded window is read, so a huge comment costs no more than a long line.
  const max = COMMAND_LIMITS.maxLineLength;
  const window = body.slice(start, start + max + 1);
  const end = window.search(/[\r\n]/);
  if (end >= 0) return { text: window.slice(0, end).trimEnd(), cut: false };
  return { text: window.slice(0, max).trimEnd(), cut: window.length > max };
}

/** Markdown columns of an indentation: a tab reaches the next multiple of four. */
function columns(indent: string): number {
  let n = 0;
  for (const c of indent) n = c === "\t" ? n + 4 - (n % 4) : n + 1;
  return n;
}

function governance(rest: string, cut: boolean): Command {
  const sub = /^\s*(\S*)/.exec(rest)!;
  const args = rest.slice(sub[0].length);
  const name = sub[1]!.toLowerCase();
  if (name === "run") {
    if (cut) return invalid(`the command is longer than ${COMMAND_LIMITS.maxLineLength} characters`);
    return parseRun(args);
  }
  if (name === "cancel") {
    return args.trim() === "" ? { type: "cancel" } : invalid("/governance cancel takes no arguments");
  }
  if (name === "") return invalid("missing a command after /governance");
  return invalid(`unknown command ${quoteUserText(sub[1]!)}${didYouMean(name, ["run", "cancel"])}`);
}

function invalid(problem: string): Command {
  return { type: "invalid", message: `${problem}; ${USAGE}` };
}

/** `<workflow> [key=value …]` → a run command, or the first problem found. */
function parseRun(args: string): Command {
  const split = splitWords(args);
  if ("unterminated" in split) return invalid(unterminated(split.unterminated));
  const [workflow, ...rest] = split.words;
  if (!workflow) return invalid("missing the workflow to run");
  if (workflow.text === "") return invalid("the workflow name is empty");
  if (workflow.eq > 0 && KEY.test(workflow.text.slice(0, workflow.eq))) {
    return invalid(`${quoteUserText(workflow.text)} looks like an input, but the workflow comes first (quote a name that holds "=")`);
  }
  if (rest.length > COMMAND_LIMITS.maxInputs) return invalid(`too many inputs: at most ${COMMAND_LIMITS.maxInputs}`);
  const inputs = new Map<string, string>();
  for (const word of rest) {
    if (word.eq < 0) return invalid(`${quoteUserText(word.text)} is not a key=value input`);
    const key = word.text.slice(0, word.eq);
    const value = word.text.slice(word.eq + 1);
    if (key === "") return invalid(`an input name is missing before ${quoteUserText(word.text)}`);
    if (!KEY.test(key)) return invalid(`invalid input name ${quoteUserText(key)}: names are a letter or _ followed by letters, digits and _`);
    if (inputs.has(key)) return invalid(`input "${key}" is given twice`);
    if (value.length > COMMAND_LIMITS.maxValueLength) return invalid(`input "${key}" is longer than ${COMMAND_LIMITS.maxValueLength} characters`);
    inputs.set(key, value);
  }
  // fromEntries defines own properties, so an input named like an Object.prototype member stays data.
  return { type: "run", workflow: workflow.text, inputs: Object.fromEntries(inputs) };
}

interface Word {
  /** The word with its quotes removed and escapes resolved. */
  text: string;
  /** Index in `text` of the first `=` outside quotes, or -1. */
  eq: number;
}

interface Unterminated {
  quote: string;
  wordIndex: number;
  /** The word read so far, up to the open quote. */
  before: Word;
}

/**
 * Shell-like words: whitespace separates them, `"…"` and `'…'` quote (and may sit inside a
 * word: `reason="two words"`), and a backslash escapes the quote or a backslash inside quotes.
 * Any other backslash is kept, so `"C:\dir"` means what it says.
 */
function splitWords(s: string): { words: Word[] } | { unterminated: Unterminated } {
  const words: Word[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) return { words };
    let text = "";
    let eq = -1;
    while (i < s.length && !/\s/.test(s[i]!)) {
      const c = s[i]!;
      if (c !== '"' && c !== "'") {
        if (c === "=" && eq < 0) eq = text.length;
        text += c;
        i++;
        continue;
      }
      const before = { text, eq };
      let closed = false;
      for (i++; i < s.length; i++) {
        const d = s[i]!;
        if (d === "\\" && (s[i + 1] === c || s[i + 1] === "\\")) {
          text += s[++i];
        } else if (d === c) {
          closed = true;
          i++;
          break;
        } else {
          text += d;
        }
      }
      if (!closed) return { unterminated: { quote: c, wordIndex: words.length, before } };
    }
    words.push({ text, eq });
  }
}

function unterminated({ quote, wordIndex, before }: Unterminated): string {
  const where = wordIndex === 0 ? "the workflow name" : before.eq > 0 ? `input ${quoteUserText(before.text.slice(0, before.eq))}` : "an input";
  return `unterminated ${quote} quote in ${where}`;
}

