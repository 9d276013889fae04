// The logic behind `skiff label` and `skiff annotate`: which arguments are
// changes ("app=web", "tier-"), checking them, and working out the new map and
// the message kubectl would print.
import { labelValueErrors, qualifiedNameErrors } from "../api/validation/names.js";

export type MetadataField = "labels" | "annotations";

export interface MetadataChanges {
  set: Record<string, string>;
  remove: string[];
}

export class MetadataChangeError extends Error {
  override name = "MetadataChangeError";
}

/** An argument that changes something rather than naming an object. */
export function isChangeArg(arg: string): boolean {
  return arg.includes("=") || (arg.endsWith("-") && arg.length > 1);
}

/** Parse "k=v" and "k-" arguments; validates keys (and label values) as kubectl does. */
export function parseChanges(args: string[], field: MetadataField): MetadataChanges {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const what = field === "labels" ? "label" : "annotation";
  for (const arg of args) {
    if (arg.includes("=")) {
      const i = arg.indexOf("=");
      const key = arg.slice(0, i);
      const value = arg.slice(i + 1);
      const keyErrors = qualifiedNameErrors(key);
      if (keyErrors.length > 0) throw new MetadataChangeError(`invalid ${what} spec: ${arg}: ${keyErrors.join("; ")}`);
      if (field === "labels") {
        const valueErrors = labelValueErrors(value);
        if (valueErrors.length > 0) throw new MetadataChangeError(`invalid label value: "${arg}": ${valueErrors.join("; ")}`);
      }
      set[key] = value;
    } else if (arg.endsWith("-")) {
      remove.push(arg.slice(0, -1));
    } else {
      throw new MetadataChangeError(`invalid ${what} spec: ${arg}`);
    }
  }
  for (const k of remove) {
    if (k in set) throw new MetadataChangeError(`can not both modify and remove ${what === "label" ? "a label" : "an annotation"} in the same command`);
  }
  if (Object.keys(set).length === 0 && remove.length === 0) throw new MetadataChangeError(`at least one ${what} update is required`);
  return { set, remove };
}

export interface ChangeOutcome {
  /** The merge patch to send: {metadata: {labels: {k: v, gone: null}}}, or undefined when nothing changes. */
  patch?: { metadata: Record<MetadataField, Record<string, string | null>> };
  /** kubectl's verb: "labeled", "unlabeled", "not labeled", "annotated". */
  message: string;
  /** Keys asked to be removed that were not there (kubectl warns about labels). */
  missing: string[];
}

/**
 * What applying the changes to `current` means. Throws when a key exists with
 * a different value and overwrite is off, exactly like kubectl's
 * "'app' already has a value (web), and --overwrite is false".
 */
export function planChanges(current: Record<string, string> | undefined, changes: MetadataChanges, field: MetadataField, overwrite: boolean): ChangeOutcome {
  const have = current ?? {};
  const diff: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes.set)) {
    if (Object.hasOwn(have, k) && !overwrite && have[k] !== v) {
      throw new MetadataChangeError(`'${k}' already has a value (${have[k]}), and --overwrite is false`);
    }
    if (have[k] !== v) diff[k] = v;
  }
  const missing: string[] = [];
  for (const k of changes.remove) {
    if (Object.hasOwn(have, k)) diff[k] = null;
    else missing.push(k);
  }
  const changed = Object.keys(diff).length > 0;
  let message: string;
  if (field === "annotations") message = "annotated";
  else if (!changed) message = "not labeled";
  else if (Object.values(diff).every((v) => v === null)) message = "unlabeled";
  else message = "labeled";
  return { patch: changed ? { metadata: { [field]: diff } as Record<MetadataField, Record<string, string | null>> } : undefined, message, missing };
}
