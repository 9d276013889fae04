import { describe, expect, it } from "vitest";
import { applyDefaults } from "./defaults.js";
import type { FieldError } from "./errors.js";
import type { KubeObject } from "./types.js";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  validateLabels,
  validateLabelSelectorObject,
  validateObject,
  validateObjectMeta,
} from "./validation.js";

// ---- valid base objects, one per kind -------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke at arbitrary fields */
/** A KubeObject whose fields the tests can reach into without narrowing. */
type Obj = { apiVersion: string; kind: string; metadata: any; spec?: any; status?: any; [field: string]: any };

const container = () => ({
  name: "web",
  image: "nginx:1.27",
  ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
  env: [{ name: "MODE", value: "prod" }],
  resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } },
  readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5 },
  livenessProbe: { tcpSocket: { port: 80 } },
  volumeMounts: [{ name: "data", mountPath: "/data" }],
});

const podSpec = () => ({
  containers: [container()],
  volumes: [{ name: "data", emptyDir: {} }],
  restartPolicy: "Always",
  nodeSelector: { "kubernetes.io/os": "linux" },
  tolerations: [{ key: "dedicated", operator: "Equal", value: "web", effect: "NoSchedule" }],
});

const bases: Record<string, () => Obj> = {
  Pod: () => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "default", labels: { app: "web" } }, spec: podSpec() }),
  Deployment: () => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] },
      template: { metadata: { labels: { app: "web", tier: "front" } }, spec: podSpec() },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } },
      revisionHistoryLimit: 5,
    },
  }),
  ReplicaSet: () => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web-abc12", namespace: "default" },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: podSpec() } },
  }),
  Service: () => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: {
      selector: { app: "web" },
      ports: [
        { name: "http", port: 80, targetPort: "http" },
        { name: "metrics", port: 9090, targetPort: 9090, protocol: "TCP" },
      ],
    },
  }),
  Namespace: () => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } }),
  Node: () => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-1.skiff.local", labels: { "kubernetes.io/hostname": "node-1" } },
    spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] },
    status: { capacity: { cpu: "4", memory: "8Gi", pods: "110" } },
  }),
  ConfigMap: () => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace: "default" },
    data: { "app.properties": "a=1", LOG_LEVEL: "debug" },
    binaryData: { "logo.png": "iVBORw0KGgo=" },
  }),
  Event: () => ({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web-0.17a8b9c0d1e2f3a4", namespace: "default" },
    involvedObject: { kind: "Pod", name: "web-0", namespace: "default" },
    reason: "Scheduled",
    message: "Successfully assigned default/web-0 to node-1",
    type: "Normal",
    count: 1,
  }),
  Lease: () => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "node-1", namespace: "kube-node-lease" },
    spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2024-05-01T10:00:00.000000Z" },
  }),
  Endpoints: () => ({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "web", namespace: "default" },
    subsets: [
      {
        addresses: [{ ip: "127.244.0.5" }, { ip: "10.1.2.3" }],
        notReadyAddresses: [{ ip: "fd00::1" }],
        ports: [
          { name: "http", port: 80, protocol: "TCP" },
          { name: "metrics", port: 9090 },
        ],
      },
    ],
  }),
};

function base(kind: string, mutate?: (o: Obj) => void): Obj {
  const o = bases[kind]();
  mutate?.(o);
  return o;
}

// ---- bad inputs -----------------------------------------------------------

interface BadCase {
  name: string;
  obj: Obj;
  path: string;
  /** A fragment the message must contain. */
  fragment: string;
  /** The bad value, which the message must name (JSON-encoded); omitted for Required/Forbidden. */
  value?: unknown;
  old?: Obj;
}

const c0 = "spec.containers[0]";
const tc0 = "spec.template.spec.containers[0]";
const longName = "a".repeat(254);

const badCases: BadCase[] = [
  // metadata
  { name: "missing name", obj: base("Pod", (o) => delete o.metadata.name), path: "metadata.name", fragment: "Required value: name or generateName is required" },
  { name: "name not a subdomain", obj: base("Pod", (o) => (o.metadata.name = "Web_1")), path: "metadata.name", fragment: "RFC 1123 subdomain", value: "Web_1" },
  { name: "name too long", obj: base("ConfigMap", (o) => (o.metadata.name = longName)), path: "metadata.name", fragment: "must be no more than 253 characters", value: longName },
  { name: "service name not DNS-1035", obj: base("Service", (o) => (o.metadata.name = "1web")), path: "metadata.name", fragment: "DNS-1035 label", value: "1web" },
  { name: "namespace name with a dot", obj: base("Namespace", (o) => (o.metadata.name = "team.a")), path: "metadata.name", fragment: "RFC 1123 label", value: "team.a" },
  { name: "bad generateName", obj: base("Pod", (o) => { delete o.metadata.name; o.metadata.generateName = "Web-"; }), path: "metadata.generateName", fragment: "RFC 1123 subdomain", value: "Web-" },
  { name: "namespaced kind without namespace", obj: base("Deployment", (o) => delete o.metadata.namespace), path: "metadata.namespace", fragment: "metadata.namespace: Required value" },
  { name: "cluster kind with namespace", obj: base("Node", (o) => (o.metadata.namespace = "default")), path: "metadata.namespace", fragment: "Forbidden: not allowed on this type" },
  { name: "bad namespace", obj: base("Pod", (o) => (o.metadata.namespace = "My_NS")), path: "metadata.namespace", fragment: "RFC 1123 label", value: "My_NS" },
  { name: "bad label key", obj: base("Pod", (o) => (o.metadata.labels = { "bad key!": "x" })), path: "metadata.labels", fragment: "name part must consist of alphanumeric characters", value: "bad key!" },
  { name: "bad label key prefix", obj: base("Pod", (o) => (o.metadata.labels = { "Example.COM/app": "x" })), path: "metadata.labels", fragment: "prefix part a lowercase RFC 1123 subdomain", value: "Example.COM/app" },
  { name: "label value too long", obj: base("Pod", (o) => (o.metadata.labels = { app: "v".repeat(64) })), path: "metadata.labels", fragment: "must be no more than 63 characters", value: "v".repeat(64) },
  { name: "bad label value", obj: base("Pod", (o) => (o.metadata.labels = { app: "-web" })), path: "metadata.labels", fragment: "a valid label must be an empty string", value: "-web" },
  { name: "annotations too large", obj: base("Pod", (o) => (o.metadata.annotations = { big: "x".repeat(256 * 1024) })), path: "metadata.annotations", fragment: "Too long: must have at most 262144 bytes" },
  { name: "bad annotation key", obj: base("Pod", (o) => (o.metadata.annotations = { "a/b/c": "x" })), path: "metadata.annotations", fragment: "a qualified name", value: "a/b/c" },

  // pod spec
  { name: "no containers", obj: base("Pod", (o) => (o.spec.containers = [])), path: "spec.containers", fragment: "spec.containers: Required value" },
  { name: "pod without spec", obj: base("Pod", (o) => delete o.spec), path: "spec", fragment: "spec: Required value" },
  { name: "container name not a label", obj: base("Pod", (o) => (o.spec.containers[0].name = "Web")), path: `${c0}.name`, fragment: "RFC 1123 label", value: "Web" },
  { name: "container name missing", obj: base("Pod", (o) => delete o.spec.containers[0].name), path: `${c0}.name`, fragment: "Required value" },
  {
    name: "container name shared with an init container",
    obj: base("Pod", (o) => (o.spec.initContainers = [{ name: "web", image: "busybox:1.36" }])),
    path: `${c0}.name`,
    fragment: "Duplicate value",
    value: "web",
  },
  { name: "image missing", obj: base("Pod", (o) => delete o.spec.containers[0].image), path: `${c0}.image`, fragment: `${c0}.image: Required value` },
  { name: "containerPort out of range", obj: base("Pod", (o) => (o.spec.containers[0].ports[0].containerPort = 70000)), path: `${c0}.ports[0].containerPort`, fragment: "must be between 1 and 65535, inclusive", value: 70000 },
  { name: "containerPort missing", obj: base("Pod", (o) => delete o.spec.containers[0].ports[0].containerPort), path: `${c0}.ports[0].containerPort`, fragment: "Required value" },
  { name: "hostPort negative", obj: base("Pod", (o) => (o.spec.containers[0].ports[0].hostPort = -1)), path: `${c0}.ports[0].hostPort`, fragment: "must be between", value: -1 },
  { name: "port protocol", obj: base("Pod", (o) => (o.spec.containers[0].ports[0].protocol = "HTTP")), path: `${c0}.ports[0].protocol`, fragment: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"', value: "HTTP" },
  { name: "port name too long", obj: base("Pod", (o) => (o.spec.containers[0].ports[0].name = "a-very-long-port-name")), path: `${c0}.ports[0].name`, fragment: "must be no more than 15 characters", value: "a-very-long-port-name" },
  { name: "port name without letters", obj: base("Pod", (o) => (o.spec.containers[0].ports[0].name = "8080")), path: `${c0}.ports[0].name`, fragment: "must contain at least one letter", value: "8080" },
  {
    name: "duplicate port names",
    obj: base("Pod", (o) => o.spec.containers[0].ports.push({ name: "http", containerPort: 81 })),
    path: `${c0}.ports[1].name`,
    fragment: "Duplicate value",
    value: "http",
  },
  {
    name: "host port used twice",
    obj: base("Pod", (o) => {
      o.spec.containers[0].ports[0].hostPort = 8080;
      o.spec.containers.push({ name: "side", image: "busybox:1.36", ports: [{ containerPort: 81, hostPort: 8080 }] });
    }),
    path: "spec.containers[1].ports[0].hostPort",
    fragment: "Duplicate value",
    value: "8080/TCP",
  },
  { name: "env var name", obj: base("Pod", (o) => (o.spec.containers[0].env[0].name = "1BAD")), path: `${c0}.env[0].name`, fragment: "a valid environment variable name", value: "1BAD" },
  {
    name: "env value and valueFrom",
    obj: base("Pod", (o) => (o.spec.containers[0].env[0].valueFrom = { fieldRef: { fieldPath: "metadata.name" } })),
    path: `${c0}.env[0].valueFrom`,
    fragment: "may not be specified when `value` is not empty",
  },
  { name: "bad limit quantity", obj: base("Pod", (o) => (o.spec.containers[0].resources.limits.memory = "12Q")), path: `${c0}.resources.limits.memory`, fragment: "quantities must match the regular expression", value: "12Q" },
  { name: "negative request", obj: base("Pod", (o) => (o.spec.containers[0].resources.requests.cpu = "-1")), path: `${c0}.resources.requests.cpu`, fragment: "must be greater than or equal to 0", value: "-1" },
  { name: "request above limit", obj: base("Pod", (o) => (o.spec.containers[0].resources.requests.cpu = "1500m")), path: `${c0}.resources.requests.cpu`, fragment: "must be less than or equal to cpu limit of 1", value: "1500m" },
  {
    name: "numeric request above numeric limit",
    obj: base("Pod", (o) => (o.spec.containers[0].resources = { requests: { cpu: 2 }, limits: { cpu: 1 } })),
    path: `${c0}.resources.requests.cpu`,
    fragment: "must be less than or equal to cpu limit of 1",
    value: "2",
  },
  { name: "pods is not a container resource", obj: base("Pod", (o) => (o.spec.containers[0].resources.limits.pods = "1")), path: `${c0}.resources.limits.pods`, fragment: "must be a standard resource for containers", value: "pods" },
  { name: "restartPolicy", obj: base("Pod", (o) => (o.spec.restartPolicy = "Sometimes")), path: "spec.restartPolicy", fragment: 'supported values: "Always", "Never", "OnFailure"', value: "Sometimes" },
  { name: "dnsPolicy", obj: base("Pod", (o) => (o.spec.dnsPolicy = "Google")), path: "spec.dnsPolicy", fragment: "Unsupported value", value: "Google" },
  { name: "imagePullPolicy", obj: base("Pod", (o) => (o.spec.containers[0].imagePullPolicy = "Maybe")), path: `${c0}.imagePullPolicy`, fragment: "Unsupported value", value: "Maybe" },
  {
    name: "probe with two handlers",
    obj: base("Pod", (o) => (o.spec.containers[0].livenessProbe = { httpGet: { port: 80 }, tcpSocket: { port: 80 } })),
    path: `${c0}.livenessProbe.tcpSocket`,
    fragment: "Forbidden: may not specify more than 1 handler type",
  },
  { name: "probe without handler", obj: base("Pod", (o) => (o.spec.containers[0].livenessProbe = { periodSeconds: 5 })), path: `${c0}.livenessProbe`, fragment: "Required value: must specify a handler type" },
  { name: "probe port out of range", obj: base("Pod", (o) => (o.spec.containers[0].readinessProbe.httpGet.port = 70000)), path: `${c0}.readinessProbe.httpGet.port`, fragment: "must be between 1 and 65535", value: 70000 },
  { name: "probe named port invalid", obj: base("Pod", (o) => (o.spec.containers[0].readinessProbe.httpGet.port = "Http_Port")), path: `${c0}.readinessProbe.httpGet.port`, fragment: "must contain only alpha-numeric", value: "Http_Port" },
  { name: "probe negative period", obj: base("Pod", (o) => (o.spec.containers[0].readinessProbe.periodSeconds = -3)), path: `${c0}.readinessProbe.periodSeconds`, fragment: "must be greater than or equal to 0", value: -3 },
  { name: "liveness successThreshold", obj: base("Pod", (o) => (o.spec.containers[0].livenessProbe.successThreshold = 3)), path: `${c0}.livenessProbe.successThreshold`, fragment: "must be 1", value: 3 },
  { name: "duplicate volume names", obj: base("Pod", (o) => o.spec.volumes.push({ name: "data", emptyDir: {} })), path: "spec.volumes[1].name", fragment: "Duplicate value", value: "data" },
  { name: "volume with two sources", obj: base("Pod", (o) => (o.spec.volumes[0].hostPath = { path: "/tmp" })), path: "spec.volumes[0].hostPath", fragment: "may not specify more than 1 volume type" },
  { name: "volume without source", obj: base("Pod", (o) => (o.spec.volumes[0] = { name: "data" })), path: "spec.volumes[0]", fragment: "must specify a volume type" },
  { name: "unsupported volume source", obj: base("Pod", (o) => (o.spec.volumes[0] = { name: "data", nfs: { server: "x" } })), path: "spec.volumes[0]", fragment: "Unsupported value", value: "nfs" },
  { name: "configMap volume without name", obj: base("Pod", (o) => (o.spec.volumes[0] = { name: "data", configMap: {} })), path: "spec.volumes[0].configMap.name", fragment: "Required value" },
  { name: "mount of unknown volume", obj: base("Pod", (o) => (o.spec.containers[0].volumeMounts[0].name = "cache")), path: `${c0}.volumeMounts[0].name`, fragment: "not found", value: "cache" },
  { name: "mount without mountPath", obj: base("Pod", (o) => delete o.spec.containers[0].volumeMounts[0].mountPath), path: `${c0}.volumeMounts[0].mountPath`, fragment: "Required value" },
  { name: "negative grace period", obj: base("Pod", (o) => (o.spec.terminationGracePeriodSeconds = -5)), path: "spec.terminationGracePeriodSeconds", fragment: "must be greater than or equal to 0", value: -5 },
  { name: "nodeSelector value", obj: base("Pod", (o) => (o.spec.nodeSelector = { disk: "ssd!" })), path: "spec.nodeSelector", fragment: "a valid label must be", value: "ssd!" },
  { name: "toleration operator", obj: base("Pod", (o) => (o.spec.tolerations[0].operator = "In")), path: "spec.tolerations[0].operator", fragment: 'supported values: "Equal", "Exists"', value: "In" },
  {
    name: "toleration Exists with value",
    obj: base("Pod", (o) => (o.spec.tolerations[0].operator = "Exists")),
    path: "spec.tolerations[0].value",
    fragment: "value must be empty when `operator` is 'Exists'",
    value: "web",
  },
  { name: "toleration effect", obj: base("Pod", (o) => (o.spec.tolerations[0].effect = "Evict")), path: "spec.tolerations[0].effect", fragment: "Unsupported value", value: "Evict" },
  { name: "containers not a list", obj: base("Pod", (o) => (o.spec.containers = { name: "web" })), path: "spec.containers", fragment: "must be a list" },

  // deployments and replica sets
  { name: "negative replicas", obj: base("Deployment", (o) => (o.spec.replicas = -1)), path: "spec.replicas", fragment: "must be greater than or equal to 0", value: -1 },
  { name: "fractional replicas", obj: base("ReplicaSet", (o) => (o.spec.replicas = 1.5)), path: "spec.replicas", fragment: "must be an integer", value: 1.5 },
  { name: "missing selector", obj: base("Deployment", (o) => delete o.spec.selector), path: "spec.selector", fragment: "spec.selector: Required value" },
  { name: "empty selector", obj: base("Deployment", (o) => (o.spec.selector = {})), path: "spec.selector", fragment: "empty selector is invalid for deployment", value: {} },
  {
    name: "selector does not match template",
    obj: base("Deployment", (o) => (o.spec.template.metadata.labels = { app: "other", tier: "front" })),
    path: "spec.template.metadata.labels",
    fragment: "`selector` does not match template `labels`",
    value: { app: "other", tier: "front" },
  },
  {
    name: "selector expression does not match template",
    obj: base("Deployment", (o) => (o.spec.template.metadata.labels = { app: "web" })),
    path: "spec.template.metadata.labels",
    fragment: "`selector` does not match template `labels`",
    value: { app: "web" },
  },
  {
    name: "replicaset selector mismatch",
    obj: base("ReplicaSet", (o) => (o.spec.selector.matchLabels = { app: "api" })),
    path: "spec.template.metadata.labels",
    fragment: "does not match",
    value: { app: "web" },
  },
  { name: "selector operator", obj: base("Deployment", (o) => (o.spec.selector.matchExpressions[0].operator = "Contains")), path: "spec.selector.matchExpressions[0].operator", fragment: "not a valid selector operator", value: "Contains" },
  { name: "selector In without values", obj: base("Deployment", (o) => (o.spec.selector.matchExpressions[0].values = [])), path: "spec.selector.matchExpressions[0].values", fragment: "must be specified when `operator` is 'In' or 'NotIn'" },
  { name: "template restartPolicy", obj: base("Deployment", (o) => (o.spec.template.spec.restartPolicy = "Never")), path: "spec.template.spec.restartPolicy", fragment: 'supported values: "Always"', value: "Never" },
  { name: "template bad quantity", obj: base("Deployment", (o) => (o.spec.template.spec.containers[0].resources.limits.memory = "12Q")), path: `${tc0}.resources.limits.memory`, fragment: "quantities must match", value: "12Q" },
  { name: "template container port", obj: base("ReplicaSet", (o) => (o.spec.template.spec.containers[0].ports[0].containerPort = 0)), path: `${tc0}.ports[0].containerPort`, fragment: "must be between 1 and 65535", value: 0 },
  { name: "missing template", obj: base("ReplicaSet", (o) => delete o.spec.template), path: "spec.template", fragment: "Required value" },
  { name: "strategy type", obj: base("Deployment", (o) => (o.spec.strategy = { type: "BlueGreen" })), path: "spec.strategy.type", fragment: 'supported values: "Recreate", "RollingUpdate"', value: "BlueGreen" },
  {
    name: "Recreate with rollingUpdate",
    obj: base("Deployment", (o) => (o.spec.strategy.type = "Recreate")),
    path: "spec.strategy.rollingUpdate",
    fragment: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
  },
  { name: "maxSurge not a percentage", obj: base("Deployment", (o) => (o.spec.strategy.rollingUpdate.maxSurge = "25")), path: "spec.strategy.rollingUpdate.maxSurge", fragment: "a valid percent string", value: "25" },
  { name: "maxUnavailable negative", obj: base("Deployment", (o) => (o.spec.strategy.rollingUpdate.maxUnavailable = -1)), path: "spec.strategy.rollingUpdate.maxUnavailable", fragment: "must be greater than or equal to 0", value: -1 },
  { name: "maxUnavailable above 100%", obj: base("Deployment", (o) => (o.spec.strategy.rollingUpdate.maxUnavailable = "150%")), path: "spec.strategy.rollingUpdate.maxUnavailable", fragment: "must not be greater than 100%", value: "150%" },
  {
    name: "maxSurge and maxUnavailable both zero",
    obj: base("Deployment", (o) => (o.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: "0%" })),
    path: "spec.strategy.rollingUpdate.maxUnavailable",
    fragment: "may not be 0 when `maxSurge` is 0",
    value: "0%",
  },
  { name: "revisionHistoryLimit", obj: base("Deployment", (o) => (o.spec.revisionHistoryLimit = -1)), path: "spec.revisionHistoryLimit", fragment: "must be greater than or equal to 0", value: -1 },
  {
    name: "progress deadline below minReadySeconds",
    obj: base("Deployment", (o) => Object.assign(o.spec, { minReadySeconds: 30, progressDeadlineSeconds: 20 })),
    path: "spec.progressDeadlineSeconds",
    fragment: "must be greater than minReadySeconds",
    value: 20,
  },

  // services
  { name: "service without ports", obj: base("Service", (o) => delete o.spec.ports), path: "spec.ports", fragment: "spec.ports: Required value" },
  { name: "service port 0", obj: base("Service", (o) => (o.spec.ports[0].port = 0)), path: "spec.ports[0].port", fragment: "must be between 1 and 65535", value: 0 },
  { name: "service port too big", obj: base("Service", (o) => (o.spec.ports[0].port = 65536)), path: "spec.ports[0].port", fragment: "must be between 1 and 65535", value: 65536 },
  { name: "nodePort on ClusterIP", obj: base("Service", (o) => (o.spec.ports[0].nodePort = 30080)), path: "spec.ports[0].nodePort", fragment: "may not be used when `type` is 'ClusterIP'" },
  {
    name: "nodePort outside range",
    obj: base("Service", (o) => Object.assign(o.spec, { type: "NodePort", ports: [{ port: 80, nodePort: 80 }] })),
    path: "spec.ports[0].nodePort",
    fragment: "The range of valid ports is 30000-32767",
    value: 80,
  },
  { name: "unnamed port among several", obj: base("Service", (o) => delete o.spec.ports[1].name), path: "spec.ports[1].name", fragment: "Required value" },
  { name: "duplicate service port names", obj: base("Service", (o) => (o.spec.ports[1].name = "http")), path: "spec.ports[1].name", fragment: "Duplicate value", value: "http" },
  { name: "service port name", obj: base("Service", (o) => (o.spec.ports[0].name = "HTTP")), path: "spec.ports[0].name", fragment: "RFC 1123 label", value: "HTTP" },
  { name: "targetPort name", obj: base("Service", (o) => (o.spec.ports[0].targetPort = "http_port")), path: "spec.ports[0].targetPort", fragment: "must contain only alpha-numeric", value: "http_port" },
  { name: "targetPort number", obj: base("Service", (o) => (o.spec.ports[1].targetPort = 99999)), path: "spec.ports[1].targetPort", fragment: "must be between 1 and 65535", value: 99999 },
  { name: "service protocol", obj: base("Service", (o) => (o.spec.ports[0].protocol = "ICMP")), path: "spec.ports[0].protocol", fragment: "Unsupported value", value: "ICMP" },
  { name: "service type", obj: base("Service", (o) => (o.spec.type = "Ingress")), path: "spec.type", fragment: 'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"', value: "Ingress" },
  { name: "sessionAffinity", obj: base("Service", (o) => (o.spec.sessionAffinity = "Sticky")), path: "spec.sessionAffinity", fragment: 'supported values: "ClientIP", "None"', value: "Sticky" },
  { name: "service selector", obj: base("Service", (o) => (o.spec.selector = { app: "web app" })), path: "spec.selector", fragment: "a valid label must be", value: "web app" },
  { name: "clusterIP malformed", obj: base("Service", (o) => (o.spec.clusterIP = "10.0.0")), path: "spec.clusterIP", fragment: "must be empty, 'None', or a valid IP address", value: "10.0.0" },
  { name: "headless NodePort", obj: base("Service", (o) => Object.assign(o.spec, { type: "NodePort", clusterIP: "None" })), path: "spec.clusterIP", fragment: "may not be set to 'None' for NodePort services", value: "None" },
  { name: "ExternalName without name", obj: base("Service", (o) => (o.spec.type = "ExternalName")), path: "spec.externalName", fragment: "Required value" },

  // the smaller kinds
  { name: "config key with a space", obj: base("ConfigMap", (o) => (o.data["bad key"] = "v")), path: "data[bad key]", fragment: "a valid config key must consist of", value: "bad key" },
  { name: "config key '..'", obj: base("ConfigMap", (o) => (o.data[".."] = "v")), path: "data[..]", fragment: "must not be '..'", value: ".." },
  { name: "key in data and binaryData", obj: base("ConfigMap", (o) => (o.data["logo.png"] = "x")), path: "data[logo.png]", fragment: "duplicate of key present in binaryData", value: "logo.png" },
  { name: "configmap too large", obj: base("ConfigMap", (o) => (o.data.big = "x".repeat(1024 * 1024))), path: "data", fragment: "must have at most 1048576 bytes" },
  { name: "configmap value not a string", obj: base("ConfigMap", (o) => (o.data.port = 8080)), path: "data[port]", fragment: "must be a string", value: 8080 },
  { name: "event without involvedObject", obj: base("Event", (o) => delete o.involvedObject), path: "involvedObject", fragment: "involvedObject: Required value" },
  { name: "event namespace mismatch", obj: base("Event", (o) => (o.involvedObject.namespace = "other")), path: "involvedObject.namespace", fragment: "does not match event.namespace", value: "other" },
  { name: "event type", obj: base("Event", (o) => (o.type = "Error")), path: "type", fragment: "Unsupported value", value: "Error" },
  { name: "lease duration", obj: base("Lease", (o) => (o.spec.leaseDurationSeconds = 0)), path: "spec.leaseDurationSeconds", fragment: "must be greater than 0", value: 0 },
  { name: "endpoint IP", obj: base("Endpoints", (o) => (o.subsets[0].addresses[0].ip = "300.1.1.1")), path: "subsets[0].addresses[0].ip", fragment: "must be a valid IP address", value: "300.1.1.1" },
  { name: "endpoint port", obj: base("Endpoints", (o) => (o.subsets[0].ports[1].port = 0)), path: "subsets[0].ports[1].port", fragment: "must be between 1 and 65535", value: 0 },
  { name: "endpoint protocol", obj: base("Endpoints", (o) => (o.subsets[0].ports[0].protocol = "QUIC")), path: "subsets[0].ports[0].protocol", fragment: "Unsupported value", value: "QUIC" },
  { name: "node taint effect", obj: base("Node", (o) => (o.spec.taints[0].effect = "Repel")), path: "spec.taints[0].effect", fragment: "Unsupported value", value: "Repel" },
  { name: "node capacity quantity", obj: base("Node", (o) => (o.status.capacity.memory = "8 GB")), path: "status.capacity.memory", fragment: "quantities must match", value: "8 GB" },
  { name: "namespace finalizer", obj: base("Namespace", (o) => (o.spec = { finalizers: ["cleanup"] })), path: "spec.finalizers[0]", fragment: "neither a standard finalizer name nor is it fully qualified", value: "cleanup" },
  { name: "unknown kind", obj: { apiVersion: "v1", kind: "Widget", metadata: { name: "w" } }, path: "kind", fragment: 'no kind "Widget" is registered for version "v1"', value: "Widget" },
  { name: "kind under the wrong group", obj: base("Deployment", (o) => (o.apiVersion = "v1")), path: "kind", fragment: "is registered", value: "Deployment" },

  // updates
  {
    name: "deployment selector changed on update",
    old: base("Deployment"),
    obj: base("Deployment", (o) => {
      o.spec.selector = { matchLabels: { app: "web", v: "2" } };
      o.spec.template.metadata.labels = { app: "web", v: "2" };
    }),
    path: "spec.selector",
    fragment: "field is immutable",
    value: { matchLabels: { app: "web", v: "2" } },
  },
  {
    name: "clusterIP changed on update",
    old: base("Service", (o) => (o.spec.clusterIP = "127.96.0.10")),
    obj: base("Service", (o) => (o.spec.clusterIP = "127.96.0.11")),
    path: "spec.clusterIP",
    fragment: "field is immutable",
    value: "127.96.0.11",
  },
  {
    name: "name changed on update",
    old: base("ConfigMap"),
    obj: base("ConfigMap", (o) => (o.metadata.name = "settings-2")),
    path: "metadata.name",
    fragment: "field is immutable",
    value: "settings-2",
  },
];

function explain(errs: FieldError[]): string {
  return errs.map((e) => `  ${e.message}`).join("\n");
}

describe("validateObject: bad inputs", () => {
  it("has a large table of distinct cases", () => {
    expect(badCases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(badCases.map((c) => c.name)).size).toBe(badCases.length);
  });

  it.each(badCases)("$name → $path", ({ obj, path, fragment, value, old }) => {
    const errs = validateObject(obj, old ? { isUpdate: true, old } : undefined);
    const atPath = errs.filter((e) => e.path === path);
    expect(atPath.length, `no error at ${path}; got:\n${explain(errs)}`).toBeGreaterThan(0);
    const hit = atPath.find((e) => e.message.includes(fragment));
    expect(hit, `no message at ${path} containing ${JSON.stringify(fragment)}; got:\n${explain(errs)}`).toBeDefined();
    expect(hit!.message.startsWith(`${path}: `) || hit!.type === "FieldValueUnknown").toBe(true);
    if (value !== undefined) expect(hit!.message).toContain(JSON.stringify(value));
  });
});

describe("validateObject: valid objects", () => {
  it.each(Object.keys(bases))("a valid %s has no errors, before and after defaulting", (kind) => {
    const obj = base(kind);
    expect(explain(validateObject(obj))).toBe("");
    expect(explain(validateObject(applyDefaults(obj)))).toBe("");
  });

  it.each([
    ["pod with generateName only", base("Pod", (o) => { delete o.metadata.name; o.metadata.generateName = "web-"; })],
    ["pod with named probe port and exec probe", base("Pod", (o) => (o.spec.containers[0].startupProbe = { exec: { command: ["true"] }, periodSeconds: 0 }))],
    ["sidecar init container with probe", base("Pod", (o) => (o.spec.initContainers = [{ name: "proxy", image: "envoy:1", restartPolicy: "Always", readinessProbe: { tcpSocket: { port: 15000 } } }]))],
    ["toleration Exists without key", base("Pod", (o) => (o.spec.tolerations = [{ operator: "Exists" }]))],
    ["extended resource", base("Pod", (o) => (o.spec.containers[0].resources.limits["example.com/gpu"] = "1"))],
    ["hugepages", base("Pod", (o) => (o.spec.containers[0].resources.limits["hugepages-2Mi"] = "8Mi"))],
    ["env from configmap key", base("Pod", (o) => (o.spec.containers[0].env = [{ name: "A", valueFrom: { configMapKeyRef: { name: "settings", key: "a" } } }]))],
    ["Recreate deployment", base("Deployment", (o) => (o.spec.strategy = { type: "Recreate" }))],
    ["deployment with int surge and 0 unavailable", base("Deployment", (o) => (o.spec.strategy.rollingUpdate = { maxSurge: 1, maxUnavailable: 0 }))],
    ["zero replicas", base("Deployment", (o) => (o.spec.replicas = 0))],
    ["headless service without ports", base("Service", (o) => { o.spec.clusterIP = "None"; delete o.spec.ports; })],
    ["NodePort service", base("Service", (o) => Object.assign(o.spec, { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }))],
    ["ExternalName service", base("Service", (o) => (o.spec = { type: "ExternalName", externalName: "db.example.com." }))],
    ["single unnamed service port", base("Service", (o) => (o.spec.ports = [{ port: 80 }]))],
    ["empty configmap", base("ConfigMap", (o) => { delete o.data; delete o.binaryData; })],
    ["label key with prefix", base("Pod", (o) => (o.metadata.labels = { "app.kubernetes.io/name": "web", empty: "" }))],
    ["annotation with upper-case key", base("Pod", (o) => (o.metadata.annotations = { "Example.com/Note": "anything goes: here!" }))],
  ])("%s", (_name, obj) => {
    expect(explain(validateObject(obj))).toBe("");
  });

  it("allows an update that omits the clusterIP or keeps the selector", () => {
    const old = base("Service", (o) => (o.spec.clusterIP = "127.96.0.10"));
    expect(validateObject(base("Service"), { isUpdate: true, old })).toEqual([]);
    const oldDeploy = base("Deployment");
    const reordered = base("Deployment", (o) => (o.spec.selector = { matchExpressions: o.spec.selector.matchExpressions, matchLabels: o.spec.selector.matchLabels }));
    expect(validateObject(reordered, { isUpdate: true, old: oldDeploy })).toEqual([]);
  });

  it("does not change the object it validates", () => {
    const obj = base("Deployment", (o) => (o.spec.replicas = -1));
    const copy = structuredClone(obj);
    validateObject(obj);
    expect(obj).toEqual(copy);
  });
});

describe("validateObject: many problems at once", () => {
  it("reports every error, not just the first", () => {
    const obj = base("Deployment", (o) => {
      o.metadata.name = "Bad_Name";
      o.spec.replicas = -2;
      o.spec.template.spec.containers[0].image = "";
      o.spec.template.spec.containers[0].resources.limits.memory = "12Q";
      o.spec.template.spec.containers[0].ports[0].containerPort = 0;
      o.spec.strategy.type = "Sideways";
    });
    const paths = validateObject(obj).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "metadata.name",
        "spec.replicas",
        `${tc0}.image`,
        `${tc0}.resources.limits.memory`,
        `${tc0}.ports[0].containerPort`,
        "spec.strategy.type",
      ]),
    );
    expect(paths.length).toBeGreaterThanOrEqual(6);
  });

  it("reports errors in every container", () => {
    const obj = base("Pod", (o) => {
      o.spec.containers.push({ name: "b", image: "" }, { name: "c" });
    });
    const paths = validateObject(obj).map((e) => e.path);
    expect(paths).toContain("spec.containers[1].image");
    expect(paths).toContain("spec.containers[2].image");
  });

  it("survives garbage without throwing", () => {
    const garbage: unknown[] = [
      { apiVersion: "v1", kind: "Pod", metadata: "x", spec: { containers: [null, 3, "a"], volumes: "v" } },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "n" }, spec: { selector: 5, template: [] } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "n" }, spec: { ports: [{ port: "80" }] } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "n" }, data: [] },
      null,
      {},
    ];
    for (const g of garbage) {
      const errs = validateObject(g as KubeObject);
      expect(errs.length).toBeGreaterThan(0);
    }
  });
});

describe("exported helpers", () => {
  it("isDNS1123Label and isDNS1123Subdomain", () => {
    expect(isDNS1123Label("web-1")).toBe(true);
    expect(isDNS1123Label("web.1")).toBe(false);
    expect(isDNS1123Label("-web")).toBe(false);
    expect(isDNS1123Label("a".repeat(64))).toBe(false);
    expect(isDNS1123Subdomain("web.example.com")).toBe(true);
    expect(isDNS1123Subdomain("Web.example.com")).toBe(false);
    expect(isDNS1123Subdomain("a".repeat(254))).toBe(false);
  });

  it("validateObjectMeta honours namespaced and the path", () => {
    expect(validateObjectMeta({ name: "n" }, true, "x.metadata").map((e) => e.message)).toEqual(["x.metadata.namespace: Required value"]);
    expect(validateObjectMeta({ name: "n" }, false)).toEqual([]);
  });

  it("validateLabels", () => {
    expect(validateLabels({ a: "b", "x.io/y": "" }, "l")).toEqual([]);
    expect(validateLabels({ "": "b" }, "l").map((e) => e.path)).toEqual(["l"]);
  });

  it("validateLabelSelectorObject", () => {
    expect(validateLabelSelectorObject({ matchExpressions: [{ key: "a", operator: "Exists" }] }, "sel")).toEqual([]);
    const errs = validateLabelSelectorObject({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }, "sel");
    expect(errs.map((e) => e.message)).toEqual([
      "sel.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]);
  });
});
