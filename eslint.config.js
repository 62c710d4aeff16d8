// ESLint flat config: typescript-eslint's recommended rules, plus the two import rules of the
// architecture (README › Architecture): inner layers never import frameworks, API clients or
// database drivers; and imports between the folders of src/ point down the floors, without cycles.
import js from "@eslint/js";
import importX, { createNodeResolver } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

const OUTER_WORLD = [
  { group: ["probot", "probot/*"], message: "Inner layers do not know Probot: go through a port in src/domain." },
  { group: ["@octokit/*"], message: "Inner layers do not call GitHub: go through the GitHub port in src/domain." },
  { group: ["kysely", "better-sqlite3", "pg", "pg-boss"], message: "Inner layers do not touch the database: go through the store port in src/domain." },
  { group: ["fastify", "express", "undici", "node:http", "node:https", "http", "https"], message: "Inner layers do no HTTP: go through a port in src/domain." },
];

// The floors of src/, top first: the README's `main → index / services → cli / handlers / api →
// github / engine → workflows / store / queue / actions / config / notify → triggers → events / net → domain`,
// with the folders and top-level files it leaves out put where their imports say. A module ("engine/" is
// a folder, "startup.ts" a file) may import any module on a floor below its own; beside it, on
// its own floor, only what SIDEWAYS lists; above it, nothing.
const FLOORS = [
  ["main.ts"],
  ["index.ts", "engine-thread.ts", "services.ts", "app-log.ts", "worker-process.ts"],
  ["cli/", "handlers/", "api/", "http/"],
  ["github/", "engine/", "startup.ts"],
  // The adapters, and beside them metrics/ (prom-client's registry behind domain/metrics-port.ts,
  // the /metrics route, the engine thread's bridge): the composition root builds it, the ways in
  // and the engine only ever call the port.
  ["workflows/", "store/", "queue/", "actions/", "config/", "notify/", "sandbox/", "metrics/", "watchdog.ts", "version.ts"],
  // The trigger types (one module each, and their registry): the validator, the actions and the
  // engine ask them; they read events and findings below.
  ["triggers/"],
  // Webhook normalisation (payload readers, findings, severities, dispatch parsing): below the
  // workflow format, which matches findings by severity. Beside it, the outbound HTTP transport
  // (keep-alive agents, redirect test) that the GitHub fetch and the notifier share.
  ["events/", "net/"],
  ["domain/"],
];

/** Imports beside a module, on its own floor, that are allowed (each one way only: no cycle between folders). */
const SIDEWAYS = {
  "index.ts": ["engine-thread.ts", "services.ts"], // the composition root starts the engine thread and builds the services
  "engine-thread.ts": ["services.ts"], // the engine thread builds the same services as the app
  "worker-process.ts": ["services.ts", "app-log.ts"], // a worker process builds the same services, logging as the app does
  "cli/": ["handlers/"], // the dry run maps a webhook event to a delivery exactly as the app does
  "http/": ["handlers/"], // the webhook middleware hands a checked body to the handlers' route and limits
  "api/": ["http/"], // the REST API reads bodies with the webhook endpoint's bounded reader
  "actions/": ["workflows/"], // the notify action reads the notify rules of the workflow format
  "config/": ["workflows/"], // the operator config reuses the format's sources, paths and suggestions
  "notify/": ["config/"], // the notifier reads its webhook settings and redaction from the operator config
  "sandbox/": ["config/"], // the script sandbox runs the scripts the operator config lists
};

/** Imports below a module that are not allowed all the same, and why. */
const NOT_DOWN = {
  // The store, the queue, the notifier and the metrics are adapters (Postgres and pg-boss are planned), and
  // net/ is the notifier's and the GitHub adapter's transport: the engine reaches them through the
  // ports in domain/, never their implementation.
  "engine/": { modules: ["store/", "queue/", "notify/", "sandbox/", "metrics/", "net/"], why: "the engine reaches adapters through the ports in domain/" },
  // The inner layers do no HTTP (OUTER_WORLD): net/ is node:http(s) under another name.
  "workflows/": { modules: ["net/"], why: "inner layers do no HTTP: go through a port in domain/" },
  "actions/": { modules: ["net/"], why: "inner layers do no HTTP: go through a port in domain/" },
  "triggers/": { modules: ["net/"], why: "inner layers do no HTTP: go through a port in domain/" },
};

/**
 * Named exceptions: one file of a forbidden module that a module may still import, and why.
 * Each is a known debt; remove the entry when it is paid.
 */
const EXCEPTIONS = {};

const floorOf = (module) => FLOORS.findIndex((floor) => floor.includes(module));
const pathOf = (module) => `src/${module.replace(/\/$/, "")}`;

/** What `module` may import: every module on a lower floor, minus NOT_DOWN, plus SIDEWAYS. */
function allowedImports(module) {
  const below = FLOORS.slice(floorOf(module) + 1).flat();
  const notDown = NOT_DOWN[module]?.modules ?? [];
  return [...(SIDEWAYS[module] ?? []), ...below.filter((m) => !notDown.includes(m))];
}

/** One zone of import-x/no-restricted-paths per forbidden (importer, imported) pair, each saying why. */
function layerZones() {
  const zones = [];
  for (const module of FLOORS.flat()) {
    const allowed = allowedImports(module);
    const may = allowed.length > 0 ? `${module} may import ${allowed.join(", ")}` : `${module} imports nothing from the other modules of src/`;
    for (const other of FLOORS.flat()) {
      if (other === module || allowed.includes(other)) continue;
      const why =
        floorOf(other) < floorOf(module) ? `${other} is on a floor above it`
        : floorOf(other) === floorOf(module) ? `${other} is beside it on the same floor`
        : NOT_DOWN[module].why;
      const except = EXCEPTIONS[module]?.[other];
      zones.push({
        target: pathOf(module),
        from: pathOf(other),
        ...(except ? { except: except.map((file) => `./${file}`) } : {}),
        message: `Layer rule (README › Architecture): ${module} may not import ${other}: ${why}. ${may}.`,
      });
    }
  }
  return zones;
}

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
    files: ["src/domain/**/*.ts", "src/events/**/*.ts", "src/triggers/**/*.ts", "src/workflows/**/*.ts", "src/engine/**/*.ts", "src/actions/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: OUTER_WORLD }] },
  },
  {
    // The floors, and no cycles: import-x resolves `./x.js` to the `./x.ts` TypeScript compiles it from.
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json", ".node"], extensionAlias: { ".js": [".ts", ".js"] } })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { basePath: import.meta.dirname, zones: layerZones() }],
      // Type-only imports vanish at compile time, so import-x does not count them in a cycle.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
);
