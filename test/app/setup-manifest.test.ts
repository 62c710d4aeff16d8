import { readFileSync } from "node:fs";
import { pino } from "pino";
import { run, type Server } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
// The function Probot's setup page is rendered with (not exported by the package: imported by path).
import { setupView } from "../../node_modules/probot/lib/views/setup.js";
import { freePort } from "../helpers/app.js";
import { ROOT } from "../helpers/fixtures.js";

/**
 * Setup mode (no APP_ID) serves a page whose button POSTs the manifest to GitHub. Probot builds
 * the manifest with JSON.stringify({ ...defaults, ...app.yml }) and writes it into the page
 * unescaped, as `value='${manifest}'`: a character of app.yml that ends or alters that attribute
 * registers an app without the events and permissions app.yml asks for.
 */

interface AppManifest {
  name: string;
  description: string;
  url: string;
  public: boolean;
  default_events: string[];
  default_permissions: Record<string, string>;
}

const appYml = parseYaml(readFileSync(`${ROOT}app.yml`, "utf8")) as AppManifest;

describe("the setup page's manifest", () => {
  let server: Server;
  let html: string;
  const PAGE_ENV = ["WEBHOOK_PROXY_URL", "PROJECT_DOMAIN", "GHE_HOST", "GHE_PROTOCOL", "GH_ORG", "NO_SMEE_SETUP"];
  const saved = Object.fromEntries(PAGE_ENV.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    // What the page depends on besides app.yml; no smee channel, no .env written.
    for (const name of PAGE_ENV) delete process.env[name];
    process.env.NO_SMEE_SETUP = "true";
    const port = await freePort();
    server = await run(() => {}, {
      env: { PORT: String(port), HOST: "127.0.0.1" },
      log: pino({ level: "silent" }),
      updateEnv: () => {
        throw new Error("the setup page must not write .env");
      },
    });
    const res = await fetch(`http://127.0.0.1:${port}/probot`);
    expect(res.status).toBe(200);
    html = await res.text();
  });
  afterAll(async () => {
    await server?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("parses as JSON, read from the page as a browser reads the button's value", () => {
    const button = startTags(html).find((tag) => tag.name === "button" && tag.attributes.get("name") === "manifest");
    expect(button, "the setup page has a manifest button").toBeDefined();
    const value = button!.attributes.get("value") ?? "";
    expect(() => JSON.parse(value), `the manifest the browser sends: ${value.slice(0, 200)}`).not.toThrow();
  });

  it("carries every event and permission of app.yml, and its name and description", () => {
    const manifest = JSON.parse(manifestOf(html)) as AppManifest;
    expect(appYml.default_events.length).toBeGreaterThan(0);
    expect(manifest.default_events).toEqual(appYml.default_events);
    expect(Object.keys(appYml.default_permissions).length).toBeGreaterThan(0);
    expect(manifest.default_permissions).toEqual(appYml.default_permissions);
    expect({ name: manifest.name, description: manifest.description, url: manifest.url, public: manifest.public }).toEqual({
      name: appYml.name,
      description: appYml.description,
      url: appYml.url,
      public: appYml.public,
    });
  });

  it("posts to GitHub's new-app page", () => {
    const form = startTags(html).find((tag) => tag.name === "form");
    expect(form?.attributes.get("action")).toBe("https://github.com/settings/apps/new");
    expect(form?.attributes.get("method")).toBe("post");
  });
});

describe("app.yml's text", () => {
  const strings = stringsOf(appYml);

  it("has only characters Probot's setup page carries unchanged", () => {
    expect(strings.length).toBeGreaterThan(10);
    const lost = strings.filter((text) => !carried(text));
    expect(lost, "app.yml strings the setup page would cut off or alter (reword them)").toEqual([]);
  });

  it("check: an apostrophe or a character reference is caught", () => {
    expect(carried("each repository's folder")).toBe(false);
    expect(carried("Tom &amp; Jerry")).toBe(false);
    expect(carried("&#39;")).toBe(false);
    expect(carried('"quoted" <b>, \\ and / 100% & more')).toBe(true);
  });
});

/** Whether `text`, in a manifest rendered by Probot's setup view, reaches GitHub as it is. */
function carried(text: string): boolean {
  const html = setupView({ name: "app", version: "1.0.0", description: "", createAppUrl: "https://github.com/settings/apps/new", manifest: JSON.stringify({ text }) });
  try {
    return (JSON.parse(manifestOf(html)) as { text: string }).text === text;
  } catch {
    return false;
  }
}

function manifestOf(html: string): string {
  const button = startTags(html).find((tag) => tag.name === "button" && tag.attributes.get("name") === "manifest");
  if (!button) throw new Error("no manifest button in the page");
  return button.attributes.get("value") ?? "";
}

/** Every string of a parsed YAML document: mapping keys and scalar values. */
function stringsOf(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(stringsOf);
  if (typeof node === "object" && node !== null) return Object.entries(node).flatMap(([key, value]) => [key, ...stringsOf(value)]);
  return [];
}

interface StartTag {
  name: string;
  attributes: Map<string, string>;
}

/**
 * The start tags of a page and their attributes, read as the HTML tokenizer reads them (WHATWG
 * HTML, "Tokenization"): input CR/CRLF become LF and NUL becomes U+FFFD; a quoted value ends at
 * the next matching quote; `&` starts a character reference, even inside quotes; the first of
 * duplicate attributes wins. It covers what the setup page uses (no script, style or textarea
 * content). A named reference it does not know throws rather than guess what a browser makes of it.
 */
function startTags(source: string): StartTag[] {
  const html = source.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");
  const tags: StartTag[] = [];
  let i = 0;
  const space = (c: string | undefined) => c === " " || c === "\n" || c === "\t" || c === "\f";
  while ((i = html.indexOf("<", i)) !== -1) {
    i++;
    if (html.startsWith("!--", i)) {
      const end = html.indexOf("-->", i + 3);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    if (html[i] === "!" || html[i] === "/" || html[i] === "?") {
      const end = html.indexOf(">", i);
      i = end === -1 ? html.length : end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(html[i] ?? "")) continue;
    let name = "";
    while (i < html.length && !space(html[i]) && html[i] !== "/" && html[i] !== ">") name += html[i++];
    const attributes = new Map<string, string>();
    for (;;) {
      while (space(html[i]) || html[i] === "/") i++;
      if (i >= html.length || html[i] === ">") break;
      let attr = html[i++]!;
      while (i < html.length && !space(html[i]) && !"/>=".includes(html[i]!)) attr += html[i++];
      while (space(html[i])) i++;
      let value = "";
      if (html[i] === "=") {
        i++;
        while (space(html[i])) i++;
        const quote = html[i];
        if (quote === '"' || quote === "'") {
          const end = html.indexOf(quote, i + 1);
          value = html.slice(i + 1, end === -1 ? html.length : end);
          i = end === -1 ? html.length : end + 1;
        } else {
          const start = i;
          while (i < html.length && !space(html[i]) && html[i] !== ">") i++;
          value = html.slice(start, i);
        }
      }
      const key = attr.toLowerCase();
      if (!attributes.has(key)) attributes.set(key, decodeReferences(value));
    }
    tags.push({ name: name.toLowerCase(), attributes });
    i++;
  }
  return tags;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00A0" };

/** Character references in an attribute value, as the tokenizer decodes them. */
function decodeReferences(value: string): string {
  return value.replace(/&(#[xX][0-9A-Fa-f]+;?|#[0-9]+;?|[A-Za-z0-9]+;?)/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(code > 0x10ffff || code === 0 ? 0xfffd : code);
    }
    const name = ref.endsWith(";") ? ref.slice(0, -1) : undefined;
    if (name !== undefined && name in NAMED) return NAMED[name]!;
    throw new Error(`character reference ${whole}: a browser may decode it; this reader does not guess`);
  });
}
