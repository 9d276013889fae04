// Persistent storage on Docker (issue 21), one two-node cluster for the file:
// data written into a claim survives its pod; a StatefulSet's claims survive
// scaling 3→1→3 and are mounted again with their data; WaitForFirstConsumer
// volumes pin their pods to the node they were made on; Delete removes a
// volume's directory and Retain keeps it; a claim in use waits for its pod; and
// the Kubernetes documentation's PV + PVC + pod example applies unchanged with
// real kubectl; an emptyDir of medium Memory is a tmpfs. Skips loudly without Docker or kubectl.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import type { PersistentVolume, PersistentVolumeClaim } from "../../pkg/api/storage.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { BUSYBOX, dockerOrWarn } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { haveKubectl, kubectlFor, type Kubectl } from "../helpers/kubectl.js";

const docker = await dockerOrWarn("test/e2e/storage-docker.test.ts");
await docker?.close();
if (!haveKubectl) console.warn("\n*** SKIPPING test/e2e/storage-docker.test.ts: kubectl not found ***\n");

type Pod = KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string; containerStatuses?: Array<{ ready?: boolean; state?: { waiting?: { reason?: string } } }> } };

/** A busybox container that runs `script` and then stays up; stops at once when deleted. */
const container = (script: string) => ({
  name: "app",
  image: BUSYBOX,
  imagePullPolicy: "IfNotPresent",
  command: ["sh", "-c", `${script}; exec sleep 3600`],
  volumeMounts: [{ name: "data", mountPath: "/data" }],
});
const FAST_STOP = { terminationGracePeriodSeconds: 0 };

describe.skipIf(!docker || !haveKubectl)("persistent storage on Docker", () => {
  let dir: string;
  let cluster: Cluster;
  let k: Kubectl;
  const wait = <T>(what: string, probe: () => Promise<T | undefined | false>) => eventually(what, probe, { timeoutMs: 30_000, everyMs: 100 });
  const pods = async (selector: string) => (await cluster.client.list<Pod>(R.pods, "default", { labelSelector: selector })).items.filter((p) => !p.metadata.deletionTimestamp);
  const running = (p: Pod) => p.status?.phase === "Running" && p.status.containerStatuses?.every((c) => c.ready);
  const claim = (name: string) => cluster.client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, "default", name);
  const volume = (name: string) => cluster.client.get<PersistentVolume>(R.persistentvolumes, undefined, name);
  const gone = (p: Promise<unknown>) => p.then(() => false, () => true);
  const logs = async (pod: string) => (await k.ok("logs", pod)).trim().split("\n");
  const boundClaim = async (name: string) => {
    const c = await claim(name).catch(() => undefined);
    return c?.status?.phase === "Bound" ? c : undefined;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-storage-docker-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 2, runtime: "docker", proxy: false, dashboard: false, dns: false, onError: () => undefined });
    k = kubectlFor(dir);
    await wait("the default StorageClass", async () => (await k.run(["get", "storageclass", "standard"])).code === 0);
  }, 60_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("a Deployment's file in its claim is there for the replacement pod", async () => {
    await cluster.client.create(R.persistentvolumeclaims, "default", { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "notes" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Mi" } } } });
    await cluster.client.create(R.deployments, "default", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "writer" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "writer" } },
        template: {
          metadata: { labels: { app: "writer" } },
          spec: { ...FAST_STOP, containers: [container("[ -f /data/note ] || echo written-by-$(hostname) > /data/note; cat /data/note")], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "notes" } }] },
        },
      },
    });
    const first = await wait("writer running", async () => (await pods("app=writer")).find(running));
    const [note] = await wait("the note", async () => ((await logs(first.metadata.name!))[0]?.startsWith("written-by-") ? logs(first.metadata.name!) : undefined));
    expect(note).toBe(`written-by-${first.metadata.name}`);
    // WaitForFirstConsumer: the volume was made for, and pinned to, the node the pod landed on.
    const c = (await boundClaim("notes"))!;
    expect(c.metadata.annotations?.["volume.kubernetes.io/selected-node"]).toBe(first.spec!.nodeName);
    const pv = await volume(c.spec!.volumeName!);
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0].values).toEqual([first.spec!.nodeName]);

    await cluster.client.delete(R.pods, "default", first.metadata.name!);
    const second = await wait("replacement running", async () => (await pods("app=writer")).find((p) => p.metadata.name !== first.metadata.name && running(p)));
    expect(second.spec!.nodeName).toBe(first.spec!.nodeName);
    expect(await wait("replacement's log", async () => (await logs(second.metadata.name!))[0] || undefined)).toBe(note);
  }, 60_000);

  it("deleting a claim in use waits for its pod; then Delete reclaim removes the volume and its directory", async () => {
    const c = (await boundClaim("notes"))!;
    const path = (await volume(c.spec!.volumeName!)).spec!.hostPath!.path!;
    expect(readFileSync(join(path, "note"), "utf8")).toMatch(/^written-by-writer-/);
    await k.ok("delete", "pvc", "notes", "--wait=false");
    await new Promise((r) => setTimeout(r, 500));
    expect((await k.ok("get", "pvc", "notes", "--no-headers")).split(/\s+/)[1]).toBe("Terminating");
    await k.ok("scale", "deployment", "writer", "--replicas=0");
    await wait("claim gone", () => gone(claim("notes")));
    await wait("volume gone", () => gone(volume(c.spec!.volumeName!)));
    expect(existsSync(path)).toBe(false);
  }, 60_000);

  it("a StatefulSet of 3 gets 3 bound claims; scaling 3→1→3 mounts the same claims with their data", async () => {
    await cluster.client.create(R.statefulsets, "default", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web" },
      spec: {
        replicas: 3,
        podManagementPolicy: "Parallel",
        serviceName: "web",
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { ...FAST_STOP, containers: [container("echo life-of-$(hostname) >> /data/lives; cat /data/lives")] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Mi" } } } }],
      },
    });
    const names = ["data-web-0", "data-web-1", "data-web-2"];
    await wait("3 pods running", async () => (await pods("app=web")).filter(running).length === 3);
    const claims = await wait("3 bound claims", async () => {
      const all = await Promise.all(names.map(boundClaim));
      return all.every(Boolean) ? (all as PersistentVolumeClaim[]) : undefined;
    });
    const uids = claims.map((c) => c.metadata.uid);
    const out = await k.ok("get", "pvc", "-l", "app=web");
    expect(out.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/);
    expect(out).toMatch(/\ndata-web-1\s+Bound\s+pvc-[0-9a-f-]+\s+5Mi\s+RWO\s+standard\s+<unset>\s+/);

    await k.ok("scale", "statefulset", "web", "--replicas=1");
    await wait("only web-0 left", async () => (await cluster.client.list(R.pods, "default", { labelSelector: "app=web" })).items.length === 1);
    expect((await Promise.all(names.map(boundClaim))).map((c) => c?.metadata.uid)).toEqual(uids);

    await k.ok("scale", "statefulset", "web", "--replicas=3");
    await wait("3 pods running again", async () => (await pods("app=web")).filter(running).length === 3);
    expect((await Promise.all(names.map(boundClaim))).map((c) => c?.metadata.uid)).toEqual(uids);
    // web-1 and web-2 found what their first lives wrote.
    for (const pod of ["web-1", "web-2"]) expect(await wait(`${pod}'s log`, async () => ((await logs(pod)).length === 2 ? logs(pod) : undefined))).toEqual([`life-of-${pod}`, `life-of-${pod}`]);
    // Each pod runs where its volume lives.
    for (const [i, c] of claims.entries()) {
      const pod = await cluster.client.get<Pod>(R.pods, "default", `web-${i}`);
      expect((await volume(c.spec!.volumeName!)).spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0].values).toEqual([pod.spec!.nodeName]);
    }
  }, 60_000);

  it("Retain keeps a released volume and its directory", async () => {
    const yaml = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: keep}
provisioner: skiff.dev/local-path
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: kept}
spec: {storageClassName: keep, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: keeper}
spec:
  terminationGracePeriodSeconds: 0
  containers: [{name: app, image: ${BUSYBOX}, imagePullPolicy: IfNotPresent, command: [sh, -c, "echo kept > /data/file; exec sleep 3600"], volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: kept}}]
`;
    const r = await k.apply("retain", yaml);
    expect(r.stderr).toBe("");
    const c = await wait("kept bound", () => boundClaim("kept"));
    const path = (await volume(c.spec!.volumeName!)).spec!.hostPath!.path!;
    await wait("file written", async () => existsSync(join(path, "file")));
    await k.ok("delete", "pod", "keeper");
    await k.ok("delete", "pvc", "kept");
    await wait("volume Released", async () => (await volume(c.spec!.volumeName!)).status?.phase === "Released");
    expect(readFileSync(join(path, "file"), "utf8")).toBe("kept\n");
    expect(await k.ok("get", "pv", c.spec!.volumeName!, "--no-headers")).toMatch(new RegExp(`^${c.spec!.volumeName}\\s+1Mi\\s+RWO\\s+Retain\\s+Released\\s+default/kept\\s+keep\\s+<unset>\\s+\\S*\\s*\\d+s`));
  }, 60_000);

  it("an emptyDir of medium Memory is a tmpfs of its sizeLimit in the container", async () => {
    await cluster.client.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "ram" },
      spec: { ...FAST_STOP, containers: [{ ...container("grep ' /data ' /proc/mounts") }], volumes: [{ name: "data", emptyDir: { medium: "Memory", sizeLimit: "2Mi" } }] },
    });
    const line = await wait("the mount table", async () => (await logs("ram").catch(() => [""]))[0] || undefined);
    expect(line).toMatch(/^tmpfs \/data tmpfs rw,.*size=2048k/);
  }, 60_000);

  it("applies the documentation's PV + PVC + pod example unchanged with real kubectl", async () => {
    // https://kubernetes.io/docs/tasks/configure-pod-container/configure-persistent-volume-storage/
    const pv = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
  labels:
    type: local
spec:
  storageClassName: manual
  capacity:
    storage: 10Gi
  accessModes:
    - ReadWriteOnce
  hostPath:
    path: "/mnt/data"
`;
    const pvc = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  storageClassName: manual
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 3Gi
`;
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: task-pv-pod
spec:
  volumes:
    - name: task-pv-storage
      persistentVolumeClaim:
        claimName: task-pv-claim
  containers:
    - name: task-pv-container
      image: nginx
      ports:
        - containerPort: 80
          name: "http-server"
      volumeMounts:
        - mountPath: "/usr/share/nginx/html"
          name: task-pv-storage
`;
    for (const [name, yaml] of [["pv-volume", pv], ["pv-claim", pvc], ["pv-pod", pod]]) {
      const r = await k.apply(name, yaml);
      expect(r.code, r.stderr).toBe(0);
    }
    await wait("task-pv-claim bound", () => boundClaim("task-pv-claim"));
    const out = await k.ok("get", "pv,pvc");
    expect(out).toMatch(/NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE/);
    expect(out).toMatch(/persistentvolume\/task-pv-volume\s+10Gi\s+RWO\s+Retain\s+Bound\s+default\/task-pv-claim\s+manual\s+<unset>\s+\d+s/);
    expect(out).toMatch(/persistentvolumeclaim\/task-pv-claim\s+Bound\s+task-pv-volume\s+10Gi\s+RWO\s+manual\s+<unset>\s+\d+s/);
    // The claim resolves to the volume on the node: the pod gets past its volumes to the image
    // (nginx is not in this offline engine, so it stops there).
    const waiting = await wait("task-pv-pod at its image", async () => {
      const p = await cluster.client.get<Pod>(R.pods, "default", "task-pv-pod");
      const reason = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      return reason && reason !== "ContainerCreating" ? reason : undefined;
    });
    expect(["ErrImagePull", "ImagePullBackOff"]).toContain(waiting);
    expect(await k.ok("get", "events", "--field-selector", "involvedObject.name=task-pv-pod,reason=FailedMount", "-o", "name")).toBe("");
  }, 60_000);
});
