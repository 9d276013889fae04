// The YAML reader accepts what kubectl (sigs.k8s.io/yaml over go-yaml) accepts,
// tried on documentation-shaped snippets.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeText, ManifestErrors } from "./decode.js";

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");
type Obj = { spec: { initContainers: Array<{ command: string[] }>; containers: Array<{ command: string[]; args?: string[] }> } };

describe("go-yaml's double-quoted escapes", () => {
  it("reads \\' as ' (pods/inject/envars-file-container.yaml)", () => {
    const [doc] = decodeText(readFileSync(path.join(testdata, "envars-file-container.yaml"), "utf8"), "envars-file-container.yaml");
    const pod = doc.object as unknown as Obj;
    expect(pod.spec.initContainers[0].command).toEqual(["sh", "-c", `echo "DB_ADDRESS='address'\nREST_ENDPOINT='endpoint'" > /data/config.env`]);
    expect(pod.spec.containers[0].command).toEqual(["/bin/sh", "-c", "env"]);
  });

  it("keeps \\\\ before a quote a backslash, and other escapes as YAML defines them", () => {
    const text = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: p}",
      "spec:",
      "  containers:",
      "  - name: c",
      "    command: [\"sh\", \"-c\", \"printf '%s\\\\n' \\'x\\' \\u00e9\\t\\\"q\\\"\"]",
      "    args:",
      "    - \"it\\'s a\n      folded \\'line\\'\"",
    ].join("\n");
    const pod = decodeText(text, "p.yaml")[0].object as unknown as Obj;
    expect(pod.spec.containers[0].command[2]).toBe(`printf '%s\\n' 'x' é\t"q"`);
    expect(pod.spec.containers[0].args).toEqual(["it's a folded 'line'"]);
  });

  it("still refuses an escape go-yaml refuses too, with file:line", () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: "bad \\q escape"\n';
    let err: unknown;
    try {
      decodeText(text, "cm.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestErrors);
    expect(String((err as Error).message)).toMatch(/^cm\.yaml:5:.*invalid YAML: Invalid escape sequence \\q/m);
  });

  it("reads the documentation's other shapes: block scalars, flow maps, octal modes, anchors", () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels {app: web, tier: "front"}
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      containers:
      - name: web
        image: nginx:1.27
        command:
          - /bin/sh
          - -c
          - |
            echo 'hello "world"' > /tmp/x
            sleep 3600
        args: ['--flag=it''s']
      volumes:
      - name: cfg
        configMap: {name: cfg, defaultMode: 0644}
`;
    const d = decodeText(text, "web.yaml")[0].object as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: Array<{ command: string[]; args: string[] }>; volumes: Array<{ configMap: { defaultMode: number } }> } } };
    };
    expect(d.spec.selector.matchLabels).toEqual({ app: "web", tier: "front" });
    expect(d.spec.template.spec.containers[0].command[2]).toBe(`echo 'hello "world"' > /tmp/x\nsleep 3600\n`);
    expect(d.spec.template.spec.containers[0].args).toEqual(["--flag=it's"]);
    expect(d.spec.template.spec.volumes[0].configMap.defaultMode).toBe(0o644);
  });
});
