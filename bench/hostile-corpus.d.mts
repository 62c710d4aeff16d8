/** Types of hostile-corpus.mjs, for test/security/validation-bounds.test.ts. */
export declare const YAML_ROW: string;
export declare const EXPRESSION_ROW: string;

export interface HostileFile {
  name: string;
  /** The SECURITY.md row the file belongs to, as a test-name prefix. */
  row: string;
  /** `.governance/x.yml` or `.governance/x.json`. */
  file: string;
  text: string;
  expect: "refused" | "capped" | "bounded" | "only";
  match?: RegExp;
}

export declare function countTokens(text: string): number;
export declare function largeValidWorkflow(): string;
export declare function hostileCorpus(limits: { maxFileBytes: number; maxTokens: number }): HostileFile[];
