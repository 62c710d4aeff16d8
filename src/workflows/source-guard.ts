// The parse stage's guard: yaml's parser fed token by token through bounds on tokens and nesting, noting unclosed quotes.
import { Composer, Lexer, LineCounter, Parser, YAMLParseError } from "yaml";
import type { Document } from "yaml";
import { formatCount } from "./diagnostic-cap.js";
import { LIMITS } from "./limits.js";

const PARSE_OPTIONS = {
  prettyErrors: false,
  strict: true,
  uniqueKeys: false, // duplicates are reported by inspectTree, with both places named
  version: "1.2",
  schema: "core",
  merge: false,
} as const;

/** Why the guard stopped the parser, and where. */
export class Refusal {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

/**
 * `yaml`'s parseDocument, fed lexeme by lexeme through the guard (the Lexer → Parser → Composer
 * pipeline that `yaml` documents for streaming). The guard sees the very tokens the parser
 * gets, so no quoting, comment or block-scalar trick can hide a bracket from it.
 */
export function parseGuarded(text: string): { doc: Document.Parsed; lines: LineCounter; unclosedQuotes: UnclosedQuotes } | Refusal {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer(PARSE_OPTIONS);
  const guard = new TokenGuard();
  const unclosedQuotes: UnclosedQuotes = new Map();
  function* tokens() {
    lines.addNewLine(0); // as Parser.parse() does: line 1 starts at offset 0
    let afterScalarMark = false;
    for (const lexeme of new Lexer().lex(text)) {
      const refusal = guard.see(lexeme, parser.offset);
      if (refusal) throw refusal;
      if (!afterScalarMark) noteUnclosedQuote(lexeme, parser.offset, unclosedQuotes);
      afterScalarMark = lexeme === "\x1f";
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  // A hostile file can make the composer create one error per token; without a stack trace
  // each costs a small object instead of a stack walk. Restored before anything else runs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    let doc: Document.Parsed | undefined;
    for (const next of composer.compose(tokens(), true, text.length)) {
      if (!doc) {
        doc = next;
        continue;
      }
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], "MULTIPLE_DOCS", "Source contains multiple documents"));
      break;
    }
    return { doc: doc!, lines, unclosedQuotes };
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Quoted scalars that never close, by the offset where the lexer ended them → the offset of their opening quote. */
export type UnclosedQuotes = Map<number, number>;

/**
 * Notes a quoted scalar's lexeme that has no closing quote. The lexer ends such a scalar at the
 * end of the file (or of its line, when the next line is not indented under it), and the
 * composer reports "Missing closing quote" there; the user needs the place where it opens.
 * The test is the composer's own, so that each of its errors finds its quote.
 */
function noteUnclosedQuote(lexeme: string, offset: number, out: UnclosedQuotes): void {
  const quote = lexeme[0];
  if (quote !== '"' && quote !== "'") return;
  if (lexeme.length === 1 || lexeme[lexeme.length - 1] !== quote) out.set(offset + lexeme.length, offset);
}

const TOO_DEEP = `nesting is too deep (at most ${LIMITS.maxDepth} levels)`;

/**
 * Bounds on the token stream, checked before the parser sees each token: the parser recurses
 * per nesting level and costs about the same per token, so this bounds its stack and its time.
 * It over-counts rather than under-counts: a closing bracket counts only when it matches the
 * innermost open one, and `-`/`?` indicators inside flow collections count as nesting too.
 */
class TokenGuard {
  private tokens = 0;
  private afterScalarMark = false;
  private readonly open: string[] = [];
  private indicators = 0;
  private lineStart = true;

  see(lexeme: string, offset: number): Refusal | undefined {
    if (++this.tokens > LIMITS.maxTokens) {
      return new Refusal(
        offset,
        `the file is too complex: more than ${formatCount(LIMITS.maxTokens)} YAML tokens (keys, values, punctuation, line breaks) by this point; split it into smaller workflow files`,
      );
    }
    if (this.afterScalarMark) {
      // The source of a plain or block scalar: text, whatever characters it holds.
      this.afterScalarMark = false;
      this.lineStart = false;
      return undefined;
    }
    switch (lexeme) {
      case "\x1f": // a scalar follows
        this.afterScalarMark = true;
        return undefined;
      case "\x02": // document mode, no text
        return undefined;
      case "\x18": // the lexer ended every open flow collection (an error)
        this.open.length = 0;
        return undefined;
      case "\n":
      case "\r\n":
        this.lineStart = true;
        this.indicators = 0;
        return undefined;
      case "[":
      case "{":
        this.open.push(lexeme);
        if (this.open.length > LIMITS.maxParserNesting) return new Refusal(offset, TOO_DEEP);
        break;
      case "]":
      case "}":
        if (this.open[this.open.length - 1] === (lexeme === "]" ? "[" : "{")) this.open.pop();
        break;
      case "-":
      case "?":
      case ":":
        // Compact nesting on one line (`- - - x`, `? ? x`); `:` separates flow pairs without nesting.
        if ((lexeme !== ":" || this.open.length === 0) && ++this.indicators > LIMITS.maxParserNesting) return new Refusal(offset, TOO_DEEP);
        break;
      default:
        if (this.lineStart && lexeme.startsWith(" ") && lexeme.length > LIMITS.maxIndent) {
          return new Refusal(offset + LIMITS.maxIndent, `indentation is too deep (nesting at most ${LIMITS.maxDepth} levels)`);
        }
    }
    this.lineStart = false;
    return undefined;
  }
}
