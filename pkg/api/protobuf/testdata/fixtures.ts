// One valid object per kind with a protobuf form, each using the awkward
// encodings: int-or-string, quantities, times, maps, bytes, inlined structs,
// pointer zeros. Keyed "apiVersion/Kind"; metadata.name is set by the test.
type Obj = Record<string, unknown>;

const podSpec = {
  containers: [
    {
      name: "c",
      image: "skiff/busybox:latest",
      command: ["sh", "-c", "sleep 3600"],
      ports: [{ containerPort: 8080, protocol: "TCP" }],
      env: [{ name: "A", value: "1" }, { name: "B", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
      resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
      readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5 },
      livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 3 },
      securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 1000 },
    },
  ],
  volumes: [{ name: "scratch", emptyDir: { sizeLimit: "1Gi" } }, { name: "cfg", configMap: { name: "cfg", defaultMode: 420 } }],
  terminationGracePeriodSeconds: 0,
  nodeSelector: { "kubernetes.io/os": "linux" },
  tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }],
};
const template = (app: string) => ({ metadata: { labels: { app } }, spec: podSpec });

export const FIXTURES: Record<string, Obj> = {
  "v1/Pod": { spec: podSpec },
  "v1/Service": { spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }, { name: "alt", port: 81, targetPort: 8081 }] } },
  "v1/Endpoints": { subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ name: "http", port: 80, protocol: "TCP" }] }] },
  "v1/Node": { metadata: { labels: { "kubernetes.io/hostname": "n" } }, spec: { unschedulable: true, taints: [{ key: "k", value: "v", effect: "NoSchedule" }] } },
  "v1/Namespace": { metadata: { labels: { team: "a" } } },
  "v1/Event": {
    involvedObject: { kind: "Pod", namespace: "default", name: "p", apiVersion: "v1" },
    reason: "Started",
    message: "started",
    type: "Normal",
    count: 2,
    firstTimestamp: "2026-01-02T03:04:05Z",
    lastTimestamp: "2026-01-02T03:04:06Z",
    source: { component: "kubelet" },
  },
  "v1/ConfigMap": { data: { "a.txt": "hello", empty: "" }, binaryData: { bin: "AAEC/w==" } },
  "v1/Secret": { type: "Opaque", data: { password: Buffer.from("s3cr3t").toString("base64"), zero: "" } },
  "v1/ResourceQuota": { spec: { hard: { pods: "10", "requests.cpu": "4", "limits.memory": "8Gi" } } },
  "v1/LimitRange": { spec: { limits: [{ type: "Container", default: { cpu: "200m" }, defaultRequest: { cpu: "100m" }, max: { memory: "1Gi" } }] } },
  "apps/v1/Deployment": {
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web" } },
      template: template("web"),
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      revisionHistoryLimit: 0,
    },
  },
  "apps/v1/ReplicaSet": { spec: { replicas: 1, selector: { matchExpressions: [{ key: "app", operator: "In", values: ["rs"] }] }, template: template("rs") } },
  "apps/v1/DaemonSet": { spec: { selector: { matchLabels: { app: "ds" } }, template: template("ds"), updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } } } },
  "apps/v1/StatefulSet": {
    spec: {
      serviceName: "sts",
      replicas: 2,
      selector: { matchLabels: { app: "sts" } },
      template: template("sts"),
      podManagementPolicy: "Parallel",
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    },
  },
  "coordination.k8s.io/v1/Lease": { spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2026-01-02T03:04:05.123456Z" } },
  "batch/v1/Job": { spec: { backoffLimit: 0, completions: 3, parallelism: 2, template: { spec: { ...podSpec, restartPolicy: "Never" } } } },
  "batch/v1/CronJob": {
    spec: {
      schedule: "*/5 * * * *",
      timeZone: "Etc/UTC",
      suspend: false,
      successfulJobsHistoryLimit: 0,
      jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: "OnFailure" } } } },
    },
  },
  "autoscaling/v2/HorizontalPodAutoscaler": {
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] } },
    },
  },
  "rbac.authorization.k8s.io/v1/Role": { rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] },
  "rbac.authorization.k8s.io/v1/RoleBinding": { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" }, subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" }] },
  "rbac.authorization.k8s.io/v1/ClusterRole": { rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }, { nonResourceURLs: ["/healthz"], verbs: ["get"] }] },
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" }] },
  // Kinds other work adds; their bodies decode as soon as they are served.
  "v1/ServiceAccount": { automountServiceAccountToken: false, secrets: [{ name: "s" }] },
  "v1/ReplicationController": { spec: { replicas: 1, selector: { app: "rc" }, template: template("rc") } },
  "v1/PersistentVolume": { spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/pv" }, persistentVolumeReclaimPolicy: "Delete", storageClassName: "slow" } },
  "v1/PersistentVolumeClaim": { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "standard" } },
  "scheduling.k8s.io/v1/PriorityClass": { value: 1000, description: "high" },
  "policy/v1/PodDisruptionBudget": { spec: { minAvailable: "50%", selector: { matchLabels: { app: "web" } } } },
  "apiregistration.k8s.io/v1/APIService": { spec: { group: "example.com", version: "v1", groupPriorityMinimum: 1000, versionPriority: 15, service: { namespace: "default", name: "api", port: 443 }, insecureSkipTLSVerify: true } },
  "networking.k8s.io/v1/Ingress": {
    spec: { ingressClassName: "skiff", rules: [{ host: "a.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }] },
  },
  "networking.k8s.io/v1/IngressClass": { spec: { controller: "skiff.dev/ingress" } },
  "networking.k8s.io/v1/NetworkPolicy": { spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"], ingress: [{ ports: [{ protocol: "TCP", port: 80 }] }] } },
  "storage.k8s.io/v1/StorageClass": { provisioner: "skiff.dev/local-path", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: false },
};
