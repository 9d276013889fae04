import { describe, expect, it } from "vitest";
import { LineQueue, LineSplitter } from "./line-queue.js";

describe("LineSplitter", () => {
  it("splits across chunk boundaries, drops \\r, and flushes the tail", () => {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.write("a\r\nb");
    s.write("c\n\nd");
    expect(got).toEqual(["a", "bc", ""]);
    s.flush();
    expect(got).toEqual(["a", "bc", "", "d"]);
  });
});

describe("LineQueue", () => {
  it("delivers pushed lines in order, then ends or fails", async () => {
    const q = new LineQueue();
    q.push("1");
    setTimeout(() => {
      q.push("2");
      q.end();
      q.push("late");
    }, 5);
    const got: string[] = [];
    for await (const l of q) got.push(l);
    expect(got).toEqual(["1", "2"]);
    const bad = new LineQueue();
    bad.end(new Error("boom"));
    await expect((async () => { for await (const _ of bad) void _; })()).rejects.toThrow("boom");
  });

  it("calls onClose when the consumer leaves early", async () => {
    let closed = 0;
    const q = new LineQueue(() => closed++);
    q.push("a");
    q.push("b");
    for await (const _ of q) break;
    expect(closed).toBe(1);
  });
});
