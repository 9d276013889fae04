// `-o jsonpath=…`, `-o jsonpath-file=FILE`, `-o custom-columns=…` and
// `-o custom-columns-file=FILE` for `skiff get`.
import { readFileSync } from "node:fs";
import { JsonPathError, JsonPathTemplate } from "../pkg/jsonpath/jsonpath.js";
import { parseCustomColumns, parseCustomColumnsFile, printCustomColumns } from "../pkg/jsonpath/custom-columns.js";
import { ExitError } from "./context.js";

const TEMPLATE_FORMATS = ["jsonpath", "jsonpath-file", "custom-columns", "custom-columns-file"];

export function isTemplateFormat(format: string): boolean {
  const [name] = format.split("=", 1);
  return TEMPLATE_FORMATS.includes(name);
}

export interface TemplatePrinter {
  /** objects: what was fetched; single: one object was named (jsonpath then sees it, not a List). */
  print(objects: unknown[], single: boolean, opts: { noHeaders?: boolean }): string;
}

function readTemplateFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new ExitError(1, `error: error reading template ${path}: ${(e as Error).message}`);
  }
}

/** Parse the flag up front, so a bad template fails before any request. */
export function templatePrinter(format: string): TemplatePrinter {
  const eq = format.indexOf("=");
  const name = eq < 0 ? format : format.slice(0, eq);
  const arg = eq < 0 ? "" : format.slice(eq + 1);
  if (arg === "") throw new ExitError(1, `error: ${name} format specified but no ${name.endsWith("-file") ? "file" : "template"} given`);
  try {
    if (name === "jsonpath" || name === "jsonpath-file") {
      const template = new JsonPathTemplate(name === "jsonpath" ? arg : readTemplateFile(arg));
      return {
        print(objects, single) {
          const data = single && objects.length === 1 ? objects[0] : { apiVersion: "v1", kind: "List", items: objects, metadata: { resourceVersion: "" } };
          return template.execute(data);
        },
      };
    }
    const columns = name === "custom-columns" ? parseCustomColumns(arg) : parseCustomColumnsFile(readTemplateFile(arg));
    return { print: (objects, _single, opts) => printCustomColumns(columns, objects, opts) };
  } catch (e) {
    if (e instanceof JsonPathError) throw new ExitError(1, `error: error parsing ${name}: ${e.message}`);
    throw e;
  }
}
