import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidImageReferenceError, invalidImageNameMessage, parseImageReference } from "./image-reference.js";

describe("parseImageReference", () => {
  it("parses the references people write", () => {
    expect(parseImageReference("skiff/busybox:latest")).toEqual({ name: "skiff/busybox", tag: "latest" });
    expect(parseImageReference("nginx")).toEqual({ name: "nginx" });
    expect(parseImageReference("registry.local:5000/team/app:v1.2")).toEqual({ name: "registry.local:5000/team/app", tag: "v1.2" });
    expect(parseImageReference("localhost/app@sha256:" + "a".repeat(64))).toEqual({ name: "localhost/app", digest: "sha256:" + "a".repeat(64) });
    expect(parseImageReference("gcr.io/google-samples/hello-app:2.0")).toEqual({ name: "gcr.io/google-samples/hello-app", tag: "2.0" });
    expect(parseImageReference("my_org/my__app-x.y:1")).toEqual({ name: "my_org/my__app-x.y", tag: "1" });
  });

  it("refuses what the kubelet refuses, with the library's words", () => {
    const cases: Array<[string, string]> = [
      ["<your-private-image>", "invalid reference format"],
      ["", "invalid reference format"],
      ["nginx:", "invalid reference format"],
      ["nginx latest", "invalid reference format"],
      ["-nginx", "invalid reference format"],
      ["nginx:-x", "invalid reference format"],
      ["MyImage:1", "invalid reference format: repository name must be lowercase"],
      ["docker.io/Library/nginx", "invalid reference format: repository name must be lowercase"],
      ["a/" + "b".repeat(300), "invalid reference format: repository name must not be more than 255 characters"],
    ];
    for (const [image, detail] of cases) {
      let caught: unknown;
      try {
        parseImageReference(image);
      } catch (e) {
        caught = e;
      }
      expect(caught, image).toBeInstanceOf(InvalidImageReferenceError);
      expect((caught as InvalidImageReferenceError).detail, image).toBe(detail);
    }
  });

  it("says what the kubelet says", () => {
    try {
      parseImageReference("<your-private-image>");
    } catch (e) {
      expect(invalidImageNameMessage(e as InvalidImageReferenceError)).toBe(
        'Failed to apply default image tag "<your-private-image>": couldn\'t parse image name "<your-private-image>": invalid reference format',
      );
    }
    expect.assertions(1);
  });

  it("property: every reference built from the grammar parses back into its parts", () => {
    const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    const component = fc.tuple(alnum, fc.array(fc.tuple(fc.constantFrom(".", "_", "__", "-", "--"), alnum), { maxLength: 2 })).map(([h, rest]) => h + rest.map(([s, a]) => s + a).join(""));
    const domain = fc.option(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,5}[a-z0-9]$/), fc.constantFrom(".local", ".example.test", ":5000", ".io:443")).map(([h, s]) => h + s), { nil: undefined });
    const tag = fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/), { nil: undefined });
    const digest = fc.option(fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`), { nil: undefined });
    fc.assert(
      fc.property(domain, fc.array(component, { minLength: 1, maxLength: 3 }), tag, digest, (d, path, t, dg) => {
        const name = [d, ...path].filter((x) => x !== undefined).join("/");
        const image = name + (t !== undefined ? `:${t}` : "") + (dg !== undefined ? `@${dg}` : "");
        const parsed = parseImageReference(image);
        expect(parsed.name).toBe(name);
        expect(parsed.tag).toBe(t);
        expect(parsed.digest).toBe(dg);
      }),
      { numRuns: 300 },
    );
  });

  it("property: a space, a leading separator or angle brackets never parse", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constantFrom(" ", "<", ">", "-", "."), (s, bad) => {
        expect(() => parseImageReference(bad + s)).toThrow(InvalidImageReferenceError);
      }),
      { numRuns: 100 },
    );
  });
});
