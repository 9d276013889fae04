// Decoding a Pod request body: Kubernetes protobuf (what kubectl and client-go
// send) against the same Pod as JSON, in the same run (issue #17: protobuf
// must cost no more than JSON). Both sides do what the API server does with a
// body: JSON — bytes to text, the nesting-depth guard, JSON.parse; protobuf —
// the k8s\0 envelope, protobufjs decode, the mapping to Kubernetes JSON.
//
//   node dist/bench/protobuf.js [--iterations 20000] [--rounds 5]
import { encodeProtobufBody, readProtobufRequestBody } from "../pkg/api/protobuf/codec.js";
import { jsonTextTooDeep } from "../pkg/util/json-depth.js";
import { argInt, printTable, writeResult } from "./lib.js";

const container = (i: number) => ({
  name: `c${i}`,
  image: "skiff/busybox:latest",
  command: ["sh", "-c", "sleep 3600"],
  ports: [{ name: "http", containerPort: 8080 + i, protocol: "TCP" }],
  env: [{ name: "MODE", value: "lab" }, { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } }],
  resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
  volumeMounts: [{ name: "data", mountPath: "/data" }],
  readinessProbe: { httpGet: { path: "/healthz", port: "http", scheme: "HTTP" }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
  imagePullPolicy: "IfNotPresent",
});

/** A Pod as a Deployment's ReplicaSet creates it: two containers, labels, owner, defaults, status. */
export const POD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web-7d4b9c-x2k4p",
    generateName: "web-7d4b9c-",
    namespace: "default",
    uid: "0c4d5b1e-8f1a-4a53-9a3e-2f3c1d1b2a11",
    resourceVersion: "123456",
    creationTimestamp: "2026-12-07T22:39:11Z",
    labels: { app: "web", "pod-template-hash": "7d4b9c" },
    annotations: { "skiff.dev/restartedAt": "2026-12-07T22:39:11Z" },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-7d4b9c", uid: "5e1f2a3b-4c5d-6e7f-8a9b-0c1d2e3f4a5b", controller: true, blockOwnerDeletion: true }],
  },
  spec: {
    containers: [container(0), container(1)],
    volumes: [{ name: "data", emptyDir: {} }],
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    serviceAccountName: "default",
    nodeName: "node-1",
    schedulerName: "default-scheduler",
    tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    priority: 0,
  },
  status: {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-12-07T22:39:15Z" }, { type: "PodScheduled", status: "True", lastTransitionTime: "2026-12-07T22:39:11Z" }],
    hostIP: "172.31.250.1",
    podIP: "172.31.250.17",
    startTime: "2026-12-07T22:39:11Z",
    containerStatuses: [0, 1].map((i) => ({ name: `c${i}`, ready: true, restartCount: 0, image: "skiff/busybox:latest", imageID: "docker://sha256:abc", started: true, state: { running: { startedAt: "2026-12-07T22:39:13Z" } } })),
    qosClass: "Burstable",
  },
};

function timeLoop(iterations: number, f: () => unknown): number {
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += f() ? 1 : 0;
  if (sink < 0) console.log(sink);
  return (performance.now() - t0) / iterations;
}

function main(): void {
  const iterations = argInt("--iterations", 20_000);
  const rounds = argInt("--rounds", 5);
  const pb = encodeProtobufBody(POD);
  const json = Buffer.from(JSON.stringify(POD));
  const decodeJson = () => {
    const text = json.toString("utf8");
    return jsonTextTooDeep(text) ? undefined : JSON.parse(text);
  };
  const decodePb = () => readProtobufRequestBody(pb);
  // Warm both paths (JIT, protobufjs' generated decoders), then alternate rounds so drift hits both alike.
  timeLoop(2_000, decodeJson);
  timeLoop(2_000, decodePb);
  const pbTimes: number[] = [];
  const jsonTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    jsonTimes.push(timeLoop(iterations, decodeJson));
    pbTimes.push(timeLoop(iterations, decodePb));
  }
  const best = (xs: number[]) => Math.min(...xs);
  const pbUs = best(pbTimes) * 1000;
  const jsonUs = best(jsonTimes) * 1000;
  const ratio = pbUs / jsonUs;
  printTable("Decoding one Pod body (best of rounds)", [
    ["format", "bytes", "µs per decode"],
    ["protobuf", String(pb.length), pbUs.toFixed(2)],
    ["JSON", String(json.length), jsonUs.toFixed(2)],
    ["ratio protobuf/JSON", "", ratio.toFixed(2)],
  ]);
  writeResult("protobuf", { iterations, rounds, protobufBytes: pb.length, jsonBytes: json.length, protobufMicros: pbUs, jsonMicros: jsonUs, ratio, targets: { ratio: 1 } });
}

if (process.argv[1]?.endsWith("protobuf.js")) main();
