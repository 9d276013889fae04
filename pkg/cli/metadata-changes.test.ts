import { describe, expect, it } from "vitest";
import { isChangeArg, MetadataChangeError, parseChanges, planChanges } from "./metadata-changes.js";

describe("label/annotate changes", () => {
  it("tells changes from names", () => {
    expect(["web", "app=web", "tier-", "-", "a=b=c"].map(isChangeArg)).toEqual([false, true, true, false, true]);
  });

  it("parses sets and removals and validates keys and label values", () => {
    expect(parseChanges(["app=web", "tier-", "example.com/x="], "labels")).toEqual({ set: { app: "web", "example.com/x": "" }, remove: ["tier"] });
    expect(() => parseChanges(["app=we b"], "labels")).toThrow(/invalid label value/);
    expect(parseChanges(["note=any text: at all"], "annotations").set.note).toBe("any text: at all");
    expect(() => parseChanges(["-bad=x"], "annotations")).toThrow(MetadataChangeError);
    expect(() => parseChanges(["app=web", "app-"], "labels")).toThrow(/both modify and remove/);
    expect(() => parseChanges([], "labels")).toThrow(/at least one label update/);
  });

  it("refuses to change an existing key without --overwrite, as kubectl does", () => {
    const changes = parseChanges(["app=db"], "labels");
    expect(() => planChanges({ app: "web" }, changes, "labels", false)).toThrow("'app' already has a value (web), and --overwrite is false");
    expect(planChanges({ app: "web" }, changes, "labels", true)).toEqual({ patch: { metadata: { labels: { app: "db" } } }, message: "labeled", missing: [] });
    // the same value again is no change, and needs no --overwrite
    expect(planChanges({ app: "db" }, changes, "labels", false)).toEqual({ patch: undefined, message: "not labeled", missing: [] });
  });

  it("removes keys with null in a merge patch and reports missing ones", () => {
    const plan = planChanges({ app: "web" }, parseChanges(["app-", "gone-"], "labels"), "labels", false);
    expect(plan).toEqual({ patch: { metadata: { labels: { app: null } } }, message: "unlabeled", missing: ["gone"] });
    expect(planChanges({}, parseChanges(["a=b"], "annotations"), "annotations", false).message).toBe("annotated");
  });
});
