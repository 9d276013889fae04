// Container life cycles as data, after kwok's pod "stages": each stage selects
// containers (by kind of container, the pod's owner kind, image or name) and
// says what they do once running — exit with a code after a while, get
// OOM-killed, turn ready late. The fake runtime applies the table first, then
// the pod's `fake.skiff.dev/…` annotations (copied onto the container's
// labels by the agent), then the rules a test added, later ones winning field
// by field. `skiff up --fake-stages FILE` replaces the default table.
import { parse as parseYaml } from "yaml";
import type { ContainerSpec } from "./runtime.js";
import { FAKE_ANNOTATION_PREFIX, LABELS } from "./runtime.js";
import type { FakeBehaviour, FakeBehaviourRule } from "./fake-behaviour.js";

/** The kind of container the agent made: an init container, a native sidecar, or an app container. */
export type ContainerType = "init" | "sidecar" | "app";

export interface FakeStageMatch {
  containerType?: ContainerType;
  /** Kind of the pod's controller (ownerReference with controller: true), e.g. "Job". */
  ownerKind?: string;
  image?: string;
  /** The Kubernetes container name. */
  container?: string;
}

/** What a selected container does; durations in ms. */
export interface FakeStageEffect {
  /** Runs this long, then exits with exitCode. */
  durationMs?: number;
  exitCode?: number;
  /** OOM-killed (exit 137) after this long. */
  oomAfterMs?: number;
  /** Runs until stopped, whatever an earlier stage said. */
  neverExit?: boolean;
  /** Probes fail (exec) and ports do not answer (serveHttp) for this long after start. */
  readyAfterMs?: number;
  /** start() takes this long. */
  startDelayMs?: number;
}

export interface FakeStage extends FakeStageEffect {
  name: string;
  match: FakeStageMatch;
}

/** Durations of the default table; tests and `--fake-stages` change them. */
export const DEFAULT_INIT_MS = 1_000;
export const DEFAULT_JOB_MS = 5_000;

/**
 * The default table (README "Fake runtime stages"): init containers complete
 * after a second, containers of pods owned by a Job exit 0 after five seconds,
 * sidecars and everything else run until stopped.
 */
export const DEFAULT_STAGES: readonly FakeStage[] = [
  { name: "init-container-completes", match: { containerType: "init" }, durationMs: DEFAULT_INIT_MS, exitCode: 0 },
  { name: "job-container-completes", match: { containerType: "app", ownerKind: "Job" }, durationMs: DEFAULT_JOB_MS, exitCode: 0 },
];

/** Annotation names (after the prefix); `<name>.<container>` targets one container of any type. */
const ANNOTATION_FIELDS: Record<string, keyof FakeStageEffect> = {
  duration: "durationMs",
  "exit-code": "exitCode",
  "oom-after": "oomAfterMs",
  "never-exit": "neverExit",
  "ready-after": "readyAfterMs",
  "start-delay": "startDelayMs",
};

export class FakeStageError extends Error {
  override name = "FakeStageError";
}

/** Go-style durations as kwok and Kubernetes write them: "500ms", "2s", "1m30s", "1.5h"; a bare number is ms. */
export function parseDurationMs(v: unknown, path: string): number {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  const s = typeof v === "string" ? v.trim() : "";
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * unit[m[2]];
    consumed = re.lastIndex;
  }
  if (s === "" || consumed !== s.length) throw new FakeStageError(`${path}: Invalid value: ${JSON.stringify(v)}: must be a duration such as "500ms", "2s" or "1m30s"`);
  return total;
}

function parseExitCode(v: unknown, path: string): number {
  const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 255) throw new FakeStageError(`${path}: Invalid value: ${JSON.stringify(v)}: must be an integer 0-255`);
  return n;
}

function parseBool(v: unknown, path: string): boolean {
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw new FakeStageError(`${path}: Invalid value: ${JSON.stringify(v)}: must be true or false`);
}

function setEffect(out: FakeStageEffect, field: keyof FakeStageEffect, v: unknown, path: string): void {
  if (field === "exitCode") out.exitCode = parseExitCode(v, path);
  else if (field === "neverExit") out.neverExit = parseBool(v, path);
  else out[field] = parseDurationMs(v, path);
}

/** The effect in behaviour terms; readyAfter fails exec probes and delays serving until then. */
export function stageBehaviour(e: FakeStageEffect): FakeBehaviour {
  const b: FakeBehaviour = {};
  if (e.neverExit) b.neverExit = true;
  // An exit code alone keeps the duration an earlier stage gave (or exits at once: see FakeRuntime).
  if (e.durationMs !== undefined) b.exitAfterMs = e.durationMs;
  if (e.exitCode !== undefined) b.exitCode = e.exitCode;
  if (e.oomAfterMs !== undefined) b.oomAfterMs = e.oomAfterMs;
  if (e.startDelayMs !== undefined) b.startDelayMs = e.startDelayMs;
  const readyAfter = e.readyAfterMs;
  if (readyAfter !== undefined) {
    b.serveAfterMs = readyAfter;
    b.exec = (_cmd, ctx) => ({ exitCode: ctx.runningForMs >= readyAfter ? 0 : 1, stdout: "", stderr: "" });
  }
  return b;
}

function stageMatches(m: FakeStageMatch, spec: ContainerSpec, normalize: (image: string) => string): boolean {
  const l = spec.labels;
  if (m.containerType !== undefined && l[LABELS.containerType] !== m.containerType) return false;
  if (m.ownerKind !== undefined && l[LABELS.ownerKind] !== m.ownerKind) return false;
  if (m.container !== undefined && l[LABELS.container] !== m.container) return false;
  if (m.image !== undefined && normalize(m.image) !== normalize(spec.image)) return false;
  return true;
}

/** The effect the pod's annotations ask for: plain names apply to app containers, `name.<container>` to that one. */
export function annotationEffect(spec: ContainerSpec): FakeStageEffect {
  const container = spec.labels[LABELS.container];
  const isApp = spec.labels[LABELS.containerType] === "app";
  const general: FakeStageEffect = {};
  const specific: FakeStageEffect = {};
  for (const [k, v] of Object.entries(spec.labels)) {
    if (!k.startsWith(FAKE_ANNOTATION_PREFIX)) continue;
    const rest = k.slice(FAKE_ANNOTATION_PREFIX.length);
    const dot = rest.indexOf(".");
    const name = dot < 0 ? rest : rest.slice(0, dot);
    const field = ANNOTATION_FIELDS[name];
    if (!field) continue;
    const target = dot < 0 ? (isApp ? general : undefined) : rest.slice(dot + 1) === container ? specific : undefined;
    if (!target) continue;
    try {
      setEffect(target, field, v, `metadata.annotations[${k}]`);
    } catch {
      // A bad annotation is ignored rather than failing the container: the pod is valid for the API server.
    }
  }
  return { ...general, ...specific };
}

/** The stage table and the annotations as behaviour rules, to go before a test's own rules. */
export function stageRules(stages: readonly FakeStage[], normalize: (image: string) => string): FakeBehaviourRule[] {
  return [
    ...stages.map(
      (s): FakeBehaviourRule => ({
        match: {},
        behaviour: (spec) => (stageMatches(s.match, spec, normalize) ? stageBehaviour(s) : {}),
      }),
    ),
    { match: {}, behaviour: (spec) => stageBehaviour(annotationEffect(spec)) },
  ];
}

const MATCH_FIELDS = ["containerType", "ownerKind", "image", "container"] as const;
const EFFECT_FIELDS: Record<string, keyof FakeStageEffect> = {
  duration: "durationMs",
  exitCode: "exitCode",
  oomAfter: "oomAfterMs",
  neverExit: "neverExit",
  readyAfter: "readyAfterMs",
  startDelay: "startDelayMs",
};

/**
 * A stage table from YAML (`skiff up --fake-stages FILE`):
 *
 *     stages:
 *     - name: slow-jobs
 *       match: {containerType: app, ownerKind: Job}
 *       duration: 30s
 *       exitCode: 0
 *
 * Errors name the field path; the table replaces the default one.
 */
export function parseStages(text: string): FakeStage[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new FakeStageError(`not YAML: ${(e as Error).message}`);
  }
  const isRec = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isRec(doc) || !Array.isArray(doc.stages)) throw new FakeStageError("stages: Required value: a list of stages");
  return doc.stages.map((raw, i): FakeStage => {
    const path = `stages[${i}]`;
    if (!isRec(raw)) throw new FakeStageError(`${path}: Invalid value: must be a mapping`);
    if (typeof raw.name !== "string" || raw.name === "") throw new FakeStageError(`${path}.name: Required value`);
    const match: FakeStageMatch = {};
    const m = raw.match ?? {};
    if (!isRec(m)) throw new FakeStageError(`${path}.match: Invalid value: must be a mapping`);
    for (const [k, v] of Object.entries(m)) {
      if (!(MATCH_FIELDS as readonly string[]).includes(k)) throw new FakeStageError(`${path}.match.${k}: Unsupported value: supported: ${MATCH_FIELDS.join(", ")}`);
      if (typeof v !== "string") throw new FakeStageError(`${path}.match.${k}: Invalid value: must be a string`);
    }
    if (m.containerType !== undefined && !["init", "sidecar", "app"].includes(m.containerType as string)) {
      throw new FakeStageError(`${path}.match.containerType: Unsupported value: ${JSON.stringify(m.containerType)}: supported values: "init", "sidecar", "app"`);
    }
    Object.assign(match, m);
    const stage: FakeStage = { name: raw.name, match };
    for (const [k, v] of Object.entries(raw)) {
      if (k === "name" || k === "match") continue;
      const field = EFFECT_FIELDS[k];
      if (!field) throw new FakeStageError(`${path}.${k}: Unsupported value: supported: name, match, ${Object.keys(EFFECT_FIELDS).join(", ")}`);
      setEffect(stage, field, v, `${path}.${k}`);
    }
    return stage;
  });
}
