/** A location inside a document, as a list of keys and indexes. */
export type DocPath = ReadonlyArray<string | number>;

/** `["steps", 0, "id"]` → `/steps/0/id` (RFC 6901). */
export function toPointer(path: DocPath): string {
  let out = "";
  for (const seg of path) {
    const s = String(seg);
    out += "/" + (s.includes("~") || s.includes("/") ? s.replace(/~/g, "~0").replace(/\//g, "~1") : s);
  }
  return out;
}

/** `/steps/0/id` → `["steps", "0", "id"]`; numeric segments stay strings (the caller knows the shape). */
export function fromPointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((seg) => (seg.includes("~") ? seg.replace(/~1/g, "/").replace(/~0/g, "~") : seg));
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["steps", 0, "next", "when"]` → `steps[0].next.when`, the form used in messages. */
export function toDisplayPath(path: DocPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number" || /^\d+$/.test(seg)) out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
