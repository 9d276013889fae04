// application/json-patch+json: RFC 6902 JSON Patch with RFC 6901 JSON Pointers.
// Like the Kubernetes API server, a patch document that cannot be decoded is a
// 400 BadRequest, and a well-formed patch that cannot be applied to this object
// (missing path, index out of range, failed "test") is a 422 Invalid.
import { ApiError, errors } from "../../api/errors.js";
import { deepClone, deepEqual, getOwn, isJsonObject, setOwn, type JsonObject } from "./json.js";

export type JsonPatchOperation =
  | { op: "add"; path: string; value: unknown }
  | { op: "replace"; path: string; value: unknown }
  | { op: "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move"; from: string; path: string }
  | { op: "copy"; from: string; path: string };

const OPS = ["add", "remove", "replace", "move", "copy", "test"] as const;

/** Checks a decoded body is a JSON Patch document; throws 400 naming the bad operation. */
export function decodeJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) throw errors.badRequest("json patch must be a JSON array of operations");
  return body.map((raw: unknown, i): JsonPatchOperation => {
    const where = `json patch operation ${i}`;
    if (!isJsonObject(raw)) throw errors.badRequest(`${where}: must be an object`);
    const op = getOwn(raw, "op");
    if (typeof op !== "string" || !(OPS as readonly string[]).includes(op)) {
      throw errors.badRequest(`${where}: unsupported "op" ${JSON.stringify(op)} (want one of ${OPS.join(", ")})`);
    }
    const path = getOwn(raw, "path");
    if (typeof path !== "string") throw errors.badRequest(`${where} (${op}): "path" must be a string`);
    parsePointer(path, `${where} (${op})`);
    if (op === "move" || op === "copy") {
      const from = getOwn(raw, "from");
      if (typeof from !== "string") throw errors.badRequest(`${where} (${op}): "from" must be a string`);
      parsePointer(from, `${where} (${op})`);
      return { op, from, path };
    }
    if (op === "remove") return { op, path };
    if (!Object.hasOwn(raw, "value") || raw.value === undefined) {
      throw errors.badRequest(`${where} (${op}): missing "value"`);
    }
    return { op: op as "add" | "replace" | "test", path, value: raw.value };
  });
}

/** RFC 6901: "" is the whole document; "/a~1b/~0c" names keys "a/b" then "~c". */
export function parsePointer(pointer: string, where = "json pointer"): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw errors.badRequest(`${where}: path ${JSON.stringify(pointer)} must start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw errors.badRequest(`${where}: path ${JSON.stringify(pointer)} has a bad "~" escape`);
      // ~1 first, so "~01" decodes to "~1" and not "/".
      return token.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

/** Applies a JSON Patch (decoded or raw) to `target`, returning a new document. */
export function jsonPatch(target: unknown, patch: unknown): unknown {
  const ops = decodeJsonPatch(patch);
  let doc = deepClone(target);
  ops.forEach((op, i) => {
    doc = applyOperation(doc, op, `json patch operation ${i} (${op.op} ${JSON.stringify(op.path)})`);
  });
  return doc;
}

// `doc` is our own clone, so the operations below mutate it in place.
function applyOperation(doc: unknown, op: JsonPatchOperation, where: string): unknown {
  switch (op.op) {
    case "add":
      return add(doc, parsePointer(op.path), deepClone(op.value), where);
    case "remove":
      remove(doc, parsePointer(op.path), where);
      return doc;
    case "replace": {
      const tokens = parsePointer(op.path);
      if (tokens.length === 0) return deepClone(op.value);
      const { parent, key } = locateExisting(doc, tokens, where);
      setMember(parent, key, deepClone(op.value));
      return doc;
    }
    case "move": {
      const from = parsePointer(op.from);
      const to = parsePointer(op.path);
      if (op.from === op.path) {
        get(doc, from, where); // must exist, nothing else to do
        return doc;
      }
      if (to.length > from.length && from.every((t, i) => t === to[i])) {
        throw unprocessable(`${where}: cannot move ${JSON.stringify(op.from)} into its own child`);
      }
      const value = get(doc, from, where);
      doc = remove(doc, from, where);
      return add(doc, to, value, where);
    }
    case "copy":
      return add(doc, parsePointer(op.path), deepClone(get(doc, parsePointer(op.from), where)), where);
    case "test": {
      const actual = get(doc, parsePointer(op.path), where);
      if (!deepEqual(actual, op.value)) {
        throw unprocessable(`${where}: test failed: value is ${JSON.stringify(actual)}, expected ${JSON.stringify(op.value)}`);
      }
      return doc;
    }
  }
}

function unprocessable(message: string): ApiError {
  return new ApiError("Invalid", message);
}

function add(doc: unknown, tokens: string[], value: unknown, where: string): unknown {
  if (tokens.length === 0) return value;
  const parent = get(doc, tokens.slice(0, -1), where);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : arrayIndex(key, where);
    if (index > parent.length) throw unprocessable(`${where}: index ${index} is out of range (length ${parent.length})`);
    parent.splice(index, 0, value);
  } else if (isJsonObject(parent)) {
    setOwn(parent, key, value);
  } else {
    throw unprocessable(`${where}: parent is not an object or array`);
  }
  return doc;
}

function remove(doc: unknown, tokens: string[], where: string): unknown {
  if (tokens.length === 0) throw unprocessable(`${where}: cannot remove the whole document`);
  const { parent, key } = locateExisting(doc, tokens, where);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return doc;
}

function setMember(parent: JsonObject | unknown[], key: string, value: unknown): void {
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else setOwn(parent, key, value);
}

/** The container and key of an existing value; throws 422 if it is absent. */
function locateExisting(doc: unknown, tokens: string[], where: string): { parent: JsonObject | unknown[]; key: string } {
  const parent = get(doc, tokens.slice(0, -1), where);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(key, where);
    if (index >= parent.length) throw unprocessable(`${where}: index ${index} is out of range (length ${parent.length})`);
    return { parent, key: String(index) };
  }
  if (isJsonObject(parent) && Object.hasOwn(parent, key)) return { parent, key };
  throw unprocessable(`${where}: path not found`);
}

function get(doc: unknown, tokens: string[], where: string): unknown {
  let cur = doc;
  for (const token of tokens) {
    if (Array.isArray(cur)) {
      const index = arrayIndex(token, where);
      if (index >= cur.length) throw unprocessable(`${where}: index ${index} is out of range (length ${cur.length})`);
      cur = cur[index];
    } else if (isJsonObject(cur) && Object.hasOwn(cur, token)) {
      cur = cur[token];
    } else {
      throw unprocessable(`${where}: path not found`);
    }
  }
  return cur;
}

/** RFC 6901 array index: "0" or digits without a leading zero. "-" is only valid for add. */
function arrayIndex(token: string, where: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw unprocessable(`${where}: ${JSON.stringify(token)} is not a valid array index`);
  return Number(token);
}
