import { describe, expect, it } from "vitest";
import { PrefixWriter, TabWriter, tabbed } from "./tab-writer.js";

describe("TabWriter (Go text/tabwriter, padding 2)", () => {
  it("aligns a column across consecutive lines and pads by two", () => {
    const tw = new TabWriter();
    tw.write("Name:\tweb\nNamespace:\tdefault\n");
    expect(tw.toString()).toBe("Name:       web\nNamespace:  default\n");
  });

  it("a line without tabs ends the block, so later lines align on their own", () => {
    const out = tabbed((w) => {
      w.write(0, "A-very-long-key:\tx\n");
      w.write(0, "Containers:\n");
      w.write(1, "k:\ty\n");
    });
    expect(out).toBe("A-very-long-key:  x\nContainers:\n  k:  y\n");
  });

  it("sizes nested columns only over the lines that have them", () => {
    const tw = new TabWriter();
    tw.write("a\tbb\tc\naaa\tb\n");
    // column 1 exists only in line one (line two's "b" is its last cell).
    expect(tw.toString()).toBe("a    bb  c\naaa  b\n");
  });

  it("flush() separates alignment blocks (the Events table)", () => {
    const w = new PrefixWriter();
    w.write(0, "Short:\t1\n");
    w.flush();
    w.write(0, "Much-longer:\t2\n");
    expect(w.toString()).toBe("Short:  1\nMuch-longer:  2\n");
  });

  it("keeps raw tabs when unaligned", () => {
    const w = new PrefixWriter(false);
    w.write(1, "Labels:\tapp=web\n");
    expect(w.toString()).toBe("  Labels:\tapp=web\n");
  });
});
