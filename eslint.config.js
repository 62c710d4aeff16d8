// ESLint flat config: typescript-eslint's recommended rules, plus the layer rule of the
// architecture: inner layers never import frameworks, API clients or database drivers.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const OUTER_WORLD = [
  { group: ["probot", "probot/*"], message: "Inner layers do not know Probot: go through a port in src/domain." },
  { group: ["@octokit/*"], message: "Inner layers do not call GitHub: go through the GitHub port in src/domain." },
  { group: ["kysely", "better-sqlite3", "pg", "pg-boss"], message: "Inner layers do not touch the database: go through the store port in src/domain." },
  { group: ["fastify", "express", "undici", "node:http", "node:https", "http", "https"], message: "Inner layers do no HTTP: go through a port in src/domain." },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "data/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly", Buffer: "readonly", TextDecoder: "readonly", setTimeout: "readonly", clearTimeout: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.name='eval']", message: "Never evaluate text as code." },
        { selector: "NewExpression[callee.name='Function']", message: "Never evaluate text as code." },
      ],
    },
  },
  {
    // Tests poke at real webhook payloads, whose shapes are not worth typing.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["src/domain/**/*.ts", "src/workflows/**/*.ts", "src/engine/**/*.ts", "src/actions/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: OUTER_WORLD }] },
  },
  {
    files: ["src/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...OUTER_WORLD,
            { group: ["../*", "!../domain/*"], message: "src/domain is the ground floor: it imports nothing from the project's other layers." },
          ],
        },
      ],
    },
  },
);
