import { describe, expect, test } from "vitest";
import { RESOURCES } from "./kinds.js";
import {
  explainPath,
  findUnknownFields,
  isModel,
  modelSchema,
  reachableModels,
  schemaName,
  typeName,
} from "./schema.js";

const podSpec = {
  containers: [
    {
      name: "web",
      image: "nginx:1.27",
      imagePullPolicy: "IfNotPresent",
      command: ["nginx"],
      args: ["-g", "daemon off;"],
      ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
      env: [
        { name: "MODE", value: "prod" },
        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      ],
      resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "100m" } },
      livenessProbe: { httpGet: { path: "/", port: 80 }, initialDelaySeconds: 3, periodSeconds: 5 },
      readinessProbe: { tcpSocket: { port: "http" } },
      volumeMounts: [{ name: "data", mountPath: "/data" }],
    },
  ],
  initContainers: [{ name: "init", image: "busybox", command: ["true"] }],
  volumes: [{ name: "data", emptyDir: { sizeLimit: "1Gi" } }],
  restartPolicy: "Always",
  nodeSelector: { "kubernetes.io/os": "linux" },
  tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }],
      },
    },
  },
  terminationGracePeriodSeconds: 30,
};

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: "default",
  labels: { app: "web", "app.kubernetes.io/part-of": "shop" },
  annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
  uid: "0b3c6f7e-0000-4000-8000-000000000001",
  resourceVersion: "42",
  generation: 3,
  creationTimestamp: "2025-01-01T00:00:00Z",
  ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "u-1", controller: true, blockOwnerDeletion: true }],
  finalizers: ["example.com/keep"],
  managedFields: [{ manager: "kubectl", operation: "Apply", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": {} } }],
  ...extra,
});

/** A realistic, complete manifest (status included) for every kind skiff serves. */
const VALID: Record<string, Record<string, unknown>> = {
  Pod: {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta("web-abc-xyz"),
    spec: { ...podSpec, nodeName: "node-1" },
    status: {
      phase: "Running",
      podIP: "127.244.0.5",
      podIPs: [{ ip: "127.244.0.5" }],
      hostIP: "127.0.0.1",
      startTime: "2025-01-01T00:00:01Z",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T00:00:02Z" }],
      containerStatuses: [
        {
          name: "web",
          ready: true,
          restartCount: 1,
          image: "nginx:1.27",
          imageID: "sha256:abc",
          containerID: "docker://abc",
          started: true,
          state: { running: { startedAt: "2025-01-01T00:00:02Z" } },
          lastState: { terminated: { exitCode: 137, reason: "OOMKilled", finishedAt: "2025-01-01T00:00:01Z" } },
        },
      ],
    },
  },
  Service: {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("web"),
    spec: {
      type: "NodePort",
      selector: { app: "web" },
      clusterIP: "127.96.0.10",
      clusterIPs: ["127.96.0.10"],
      ports: [{ name: "http", port: 80, targetPort: "http", nodePort: 30080, protocol: "TCP" }],
      sessionAffinity: "None",
    },
    status: { loadBalancer: {} },
  },
  Endpoints: {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: meta("web"),
    subsets: [
      {
        addresses: [{ ip: "127.244.0.5", nodeName: "node-1", targetRef: { kind: "Pod", name: "web-abc-xyz", namespace: "default" } }],
        notReadyAddresses: [{ ip: "127.244.0.6" }],
        ports: [{ name: "http", port: 80, protocol: "TCP" }],
      },
    ],
  },
  Node: {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1" } },
    spec: { podCIDR: "127.244.1.0/24", taints: [{ key: "k", value: "v", effect: "NoSchedule" }], unschedulable: false },
    status: {
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2025-01-01T00:00:00Z", reason: "KubeletReady" }],
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      nodeInfo: {
        machineID: "m", systemUUID: "s", bootID: "b", kernelVersion: "6", osImage: "skiff", containerRuntimeVersion: "docker://27",
        kubeletVersion: "v1.32.0", kubeProxyVersion: "v1.32.0", operatingSystem: "linux", architecture: "amd64",
      },
    },
  },
  Namespace: {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "shop", labels: { "kubernetes.io/metadata.name": "shop" } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  },
  Event: {
    apiVersion: "v1",
    kind: "Event",
    metadata: meta("web.17a"),
    involvedObject: { apiVersion: "v1", kind: "Pod", name: "web-abc-xyz", namespace: "default", uid: "u-2" },
    reason: "Scheduled",
    message: "Successfully assigned default/web-abc-xyz to node-1",
    type: "Normal",
    count: 1,
    firstTimestamp: "2025-01-01T00:00:00Z",
    lastTimestamp: "2025-01-01T00:00:00Z",
    eventTime: "2025-01-01T00:00:00.000000Z",
    source: { component: "default-scheduler" },
    reportingComponent: "default-scheduler",
    reportingInstance: "skiff",
  },
  ConfigMap: {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta("settings"),
    data: { "app.properties": "a=b", MODE: "prod" },
    binaryData: { blob: "AAEC" },
    immutable: false,
  },
  Deployment: {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta("web"),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["fe"] }] },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      minReadySeconds: 0,
      template: { metadata: { labels: { app: "web" } }, spec: podSpec },
    },
    status: {
      observedGeneration: 3,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [{ type: "Available", status: "True", lastUpdateTime: "2025-01-01T00:00:00Z", reason: "MinimumReplicasAvailable" }],
    },
  },
  ReplicaSet: {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta("web-abc", { annotations: { "deployment.kubernetes.io/revision": "2" } }),
    spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: podSpec } },
    status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 },
  },
  Lease: {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "node-1", namespace: "kube-node-lease" },
    spec: { holderIdentity: "node-1", leaseDurationSeconds: 40, renewTime: "2025-01-01T00:00:00.000000Z", leaseTransitions: 0 },
  },
  Secret: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "Opaque", data: { a: "Yg==" }, stringData: { c: "d" } },
  ResourceQuota: { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" }, spec: { hard: { pods: "10", "requests.cpu": "2" } } },
  LimitRange: {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "l" },
    spec: { limits: [{ type: "Container", default: { cpu: "500m" }, defaultRequest: { cpu: "100m" }, max: { memory: "1Gi" } }] },
  },
  DaemonSet: {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "d" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } }, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } } },
  },
  StatefulSet: {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web" },
    spec: { serviceName: "web", replicas: 3, podManagementPolicy: "OrderedReady", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
  },
  Job: {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi" },
    spec: { completions: 1, parallelism: 1, backoffLimit: 4, template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "i", command: ["sh", "-c", "exit 0"] }] } } },
  },
  CronJob: {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "hello" },
    spec: { schedule: "* * * * *", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid", jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "i" }] } } } } },
  },
  HorizontalPodAutoscaler: {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "h" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 8, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] },
  },
  Role: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] },
  ClusterRole: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "view" }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }] },
  RoleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "rb" },
    subjects: [{ kind: "User", name: "alice", apiGroup: "rbac.authorization.k8s.io" }],
    roleRef: { kind: "Role", name: "r", apiGroup: "rbac.authorization.k8s.io" },
  },
  ClusterRoleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "crb" },
    subjects: [{ kind: "Group", name: "admins", apiGroup: "rbac.authorization.k8s.io" }],
    roleRef: { kind: "ClusterRole", name: "view", apiGroup: "rbac.authorization.k8s.io" },
  },
  Ingress: {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web" },
    spec: { ingressClassName: "skiff", rules: [{ host: "foo.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }] },
  },
  IngressClass: { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "skiff" }, spec: { controller: "skiff.dev/ingress" } },
  NetworkPolicy: {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "np" },
    spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 5432 }] }], policyTypes: ["Ingress"] },
  },
  CustomResourceDefinition: {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: {
      group: "stable.example.com",
      scope: "Namespaced",
      names: { plural: "crontabs", kind: "CronTab", shortNames: ["ct"] },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" } },
          additionalPrinterColumns: [{ name: "Spec", type: "string", jsonPath: ".spec.cronSpec" }],
          schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { replicas: { type: "integer", default: 1, minimum: 1 } } } } } },
        },
      ],
    },
  },
  ValidatingAdmissionPolicy: {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "p" },
    spec: { failurePolicy: "Fail", matchConstraints: { resourceRules: [{ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"] }] }, validations: [{ expression: "object.spec.replicas <= 5" }] },
  },
  ValidatingAdmissionPolicyBinding: {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: "b" },
    spec: { policyName: "p", validationActions: ["Deny"], matchResources: { namespaceSelector: { matchLabels: { environment: "test" } } } },
  },
  ServiceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("build-bot"), secrets: [{ name: "s" }], imagePullSecrets: [{ name: "pull" }], automountServiceAccountToken: false },
  ReplicationController: {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: meta("web-rc"),
    spec: { replicas: 2, minReadySeconds: 1, selector: { app: "web" }, template: { metadata: { labels: { app: "web" } }, spec: podSpec } },
    status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1, observedGeneration: 3 },
  },
  PriorityClass: { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000, globalDefault: false, description: "d", preemptionPolicy: "Never" },
  PodDisruptionBudget: {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta("web-pdb"),
    spec: { minAvailable: "50%", selector: { matchLabels: { app: "web" } }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    status: { currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1, expectedPods: 2, observedGeneration: 1, conditions: [{ type: "DisruptionAllowed", status: "True", reason: "SufficientPods", message: "", lastTransitionTime: "2025-01-01T00:00:00Z" }] },
  },
  APIService: {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1beta1.metrics.k8s.io" },
    spec: { group: "metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: "kube-system", name: "metrics", port: 443 }, insecureSkipTLSVerify: true },
    status: { conditions: [{ type: "Available", status: "True", reason: "Passed", lastTransitionTime: "2025-01-01T00:00:00Z" }] },
  },
  EndpointSlice: {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: meta("web-abcde"),
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "node-1", targetRef: { kind: "Pod", name: "web-1", namespace: "default" } }],
    ports: [{ name: "http", port: 80, protocol: "TCP" }],
  },
  PersistentVolume: {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "task-pv-volume", labels: { type: "local" } },
    spec: {
      storageClassName: "manual",
      capacity: { storage: "10Gi" },
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: "/mnt/data", type: "DirectoryOrCreate" },
      claimRef: { namespace: "default", name: "task-pv-claim", uid: "u" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-1"] }] }] } },
    },
    status: { phase: "Bound" },
  },
  PersistentVolumeClaim: {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: meta("task-pv-claim"),
    spec: { storageClassName: "manual", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "3Gi" } }, selector: { matchLabels: { type: "local" } }, volumeName: "task-pv-volume" },
    status: { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "10Gi" } },
  },
  StorageClass: {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "skiff.dev/local-path",
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: false,
  },
};

describe("modelSchema", () => {
  test("Deployment fields have the Kubernetes kinds", () => {
    const d = modelSchema("V1Deployment");
    expect(Object.keys(d).sort()).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
    expect(d.metadata).toMatchObject({ kind: "object", ref: "V1ObjectMeta" });
    expect(d.spec).toMatchObject({ kind: "object", ref: "V1DeploymentSpec" });
    expect(d.apiVersion.kind).toBe("string");

    const spec = modelSchema("V1DeploymentSpec");
    expect(spec.replicas).toMatchObject({ kind: "integer", format: "int32" });
    expect(spec.paused.kind).toBe("boolean");
    expect(spec.selector).toMatchObject({ kind: "object", ref: "V1LabelSelector", required: true });
    expect(spec.template).toMatchObject({ kind: "object", ref: "V1PodTemplateSpec", required: true });
    expect(spec.strategy).toMatchObject({ kind: "object", ref: "V1DeploymentStrategy" });
    expect(spec.replicas.description).toMatch(/desired pods/);

    expect(modelSchema("V1RollingUpdateDeployment").maxSurge.kind).toBe("int-or-string");
    expect(modelSchema("V1LabelSelector").matchLabels).toMatchObject({ kind: "map", items: { kind: "string" } });
  });

  test("leaf types: quantities, times, micro-times, int-or-string", () => {
    expect(modelSchema("V1ResourceRequirements").limits).toMatchObject({ kind: "map", items: { kind: "quantity" } });
    expect(modelSchema("V1NodeStatus").capacity).toMatchObject({ kind: "map", items: { kind: "quantity" } });
    expect(modelSchema("V1EmptyDirVolumeSource").sizeLimit.kind).toBe("quantity");
    // Ordinary string maps stay strings.
    expect(modelSchema("V1ObjectMeta").labels).toMatchObject({ kind: "map", items: { kind: "string" } });
    expect(modelSchema("V1ConfigMap").data).toMatchObject({ kind: "map", items: { kind: "string" } });
    expect(modelSchema("V1ObjectMeta").creationTimestamp).toMatchObject({ kind: "time", format: "date-time" });
    expect(modelSchema("V1LeaseSpec").renewTime).toMatchObject({ kind: "time", format: "date-time-micro" });
    expect(modelSchema("V1ServicePort").targetPort.kind).toBe("int-or-string");
    expect(modelSchema("V1ObjectMeta").generation).toMatchObject({ kind: "integer", format: "int64" });
    expect(modelSchema("V1ManagedFieldsEntry").fieldsV1.kind).toBe("any");
  });

  test("strategic-merge list semantics", () => {
    const containers = modelSchema("V1PodSpec").containers;
    expect(containers).toMatchObject({
      kind: "array",
      items: { kind: "object", ref: "V1Container" },
      patchMergeKey: "name",
      patchStrategy: "merge",
      listType: "map",
      listMapKeys: ["name"],
    });
    expect(modelSchema("V1Container").ports).toMatchObject({ patchMergeKey: "containerPort", listMapKeys: ["containerPort", "protocol"] });
    expect(modelSchema("V1Container").env).toMatchObject({ patchMergeKey: "name" });
    expect(modelSchema("V1Container").volumeMounts).toMatchObject({ patchMergeKey: "mountPath" });
    expect(modelSchema("V1ServiceSpec").ports).toMatchObject({ patchMergeKey: "port", listMapKeys: ["port", "protocol"] });
    expect(modelSchema("V1ObjectMeta").ownerReferences).toMatchObject({ patchMergeKey: "uid", listType: "map" });
    expect(modelSchema("V1PodSpec").tolerations).toMatchObject({ listType: "atomic" });
    expect(modelSchema("V1PodSpec").tolerations.patchMergeKey).toBeUndefined();
    expect(modelSchema("V1DeploymentStatus").conditions).toMatchObject({ patchMergeKey: "type", listMapKeys: ["type"] });
    expect(modelSchema("V1PodSpec").volumes).toMatchObject({ patchMergeKey: "name", patchStrategy: "merge,retainKeys" });
  });

  test("every served kind and its list resolve to a model", () => {
    for (const r of RESOURCES) {
      expect(isModel(r.model), r.model).toBe(true);
      expect(isModel(`${r.model}List`), `${r.model}List`).toBe(true);
      expect(modelSchema(r.model).metadata, r.kind).toMatchObject({ ref: "V1ObjectMeta" });
    }
    expect(() => modelSchema("V1NoSuchThing")).toThrow(/unknown model/);
  });

  test("Kubernetes schema names", () => {
    expect(schemaName("V1PodSpec")).toBe("io.k8s.api.core.v1.PodSpec");
    expect(schemaName("V1ObjectMeta")).toBe("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    expect(schemaName("V1LabelSelector")).toBe("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
    expect(schemaName("CoreV1Event")).toBe("io.k8s.api.core.v1.Event");
    expect(schemaName("CoreV1EventList")).toBe("io.k8s.api.core.v1.EventList");
    expect(schemaName("V1Lease")).toBe("io.k8s.api.coordination.v1.Lease");
    expect(schemaName("V1Deployment")).toBe("io.k8s.api.apps.v1.Deployment");
    expect(schemaName("V1RollingUpdateDeployment")).toBe("io.k8s.api.apps.v1.RollingUpdateDeployment");
    expect(schemaName("V1ReplicaSetList")).toBe("io.k8s.api.apps.v1.ReplicaSetList");
    expect(schemaName("V1ReplicationController")).toBe("io.k8s.api.core.v1.ReplicationController");
    expect(schemaName("V1Scale")).toBe("io.k8s.api.autoscaling.v1.Scale");
    expect(schemaName("V1ScaleIOVolumeSource")).toBe("io.k8s.api.core.v1.ScaleIOVolumeSource");
    expect(schemaName("V1Status")).toBe("io.k8s.apimachinery.pkg.apis.meta.v1.Status");
    expect(schemaName("V1PodStatus")).toBe("io.k8s.api.core.v1.PodStatus");
    expect(schemaName("V1JobSpec")).toBe("io.k8s.api.batch.v1.JobSpec");
    expect(schemaName("V1CronJob")).toBe("io.k8s.api.batch.v1.CronJob");
    expect(schemaName("V1RoleBinding")).toBe("io.k8s.api.rbac.v1.RoleBinding");
    expect(schemaName("RbacV1Subject")).toBe("io.k8s.api.rbac.v1.Subject");
    expect(schemaName("V2HorizontalPodAutoscalerSpec")).toBe("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec");
    expect(schemaName("V1StatefulSetSpec")).toBe("io.k8s.api.apps.v1.StatefulSetSpec");
    expect(schemaName("V1IngressClassSpec")).toBe("io.k8s.api.networking.v1.IngressClassSpec");
    expect(schemaName("V1HTTPIngressPath")).toBe("io.k8s.api.networking.v1.HTTPIngressPath");
    expect(schemaName("V1IPBlock")).toBe("io.k8s.api.networking.v1.IPBlock");
    expect(schemaName("V1LoadBalancerIngress")).toBe("io.k8s.api.core.v1.LoadBalancerIngress");
  });

  test("schemas for every served kind build well under a second", () => {
    const start = performance.now();
    const all = reachableModels(RESOURCES.flatMap((r) => [r.model, `${r.model}List`]));
    for (const m of all) modelSchema(m);
    const ms = performance.now() - start;
    expect(all.length).toBeGreaterThan(100);
    expect(all).toContain("V1Container");
    expect(ms).toBeLessThan(500);
  });
});

describe("findUnknownFields", () => {
  test("valid manifests of every served kind report nothing", () => {
    for (const r of RESOURCES) {
      const manifest = VALID[r.kind];
      expect(manifest, `fixture for ${r.kind}`).toBeDefined();
      expect(findUnknownFields(manifest, r.model), r.kind).toEqual([]);
    }
  });

  test("a top-level typo", () => {
    const obj = { ...VALID.Deployment, spce: { replicas: 1 } };
    expect(findUnknownFields(obj, "V1Deployment")).toEqual(["spce"]);
  });

  test("a typo nested in the containers list names the index", () => {
    const obj = structuredClone(VALID.Deployment) as { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } };
    obj.spec.template.spec.containers.push({ name: "side", image: "busybox", imagePullPolcy: "Always" });
    obj.spec.template.spec.containers[0].ports = [{ containerPort: 80, protcol: "TCP" }];
    expect(findUnknownFields(obj, "V1Deployment")).toEqual([
      "spec.template.spec.containers[0].ports[0].protcol",
      "spec.template.spec.containers[1].imagePullPolcy",
    ]);
  });

  test("collects every unknown field, at every depth", () => {
    const obj = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", lables: { a: "b" } },
      spec: { containers: [{ name: "c", image: "i", resources: { limit: { cpu: "1" } } }], nodeSelecter: {} },
      extra: true,
    };
    expect(findUnknownFields(obj, "V1Pod").sort()).toEqual([
      "extra",
      "metadata.lables",
      "spec.containers[0].resources.limit",
      "spec.nodeSelecter",
    ]);
  });

  test("maps: free keys, but object values are checked", () => {
    // Arbitrary keys in string maps are never unknown fields.
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", labels: { anything: "goes" } }, data: { whatever: "1" } };
    expect(findUnknownFields(cm, "V1ConfigMap")).toEqual([]);
    // JSONSchemaProps.properties is a map of JSONSchemaProps: a typo inside a value is found.
    const schema = { type: "object", properties: { replicas: { type: "integer", minimun: 1 }, name: { type: "string" } } };
    expect(findUnknownFields(schema, "V1JSONSchemaProps")).toEqual(["properties.replicas.minimun"]);
  });

  test("status is allowed at top level even where the kind has none; status contents are still checked", () => {
    expect(findUnknownFields({ ...VALID.ConfigMap, status: { anything: 1 } }, "V1ConfigMap")).toEqual([]);
    expect(findUnknownFields({ ...VALID.Deployment, status: { replicas: 1, replicaz: 2 } }, "V1Deployment")).toEqual(["status.replicaz"]);
    // ...but only at the top of an object with apiVersion/kind/metadata.
    expect(findUnknownFields({ containers: [], status: {} }, "V1PodSpec")).toEqual(["status"]);
  });

  test("prototype-ish keys are unknown, not crashes", () => {
    const obj = JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"constructor":1},"__proto__":{"x":1},"toString":2}');
    expect(findUnknownFields(obj, "V1Pod").sort()).toEqual(["__proto__", "metadata.constructor", "toString"]);
  });

  test("a path prefix is prepended; wrong JSON types are ignored", () => {
    expect(findUnknownFields({ name: "c", imag: "x" }, "V1Container", "spec.containers[2]")).toEqual(["spec.containers[2].imag"]);
    expect(findUnknownFields({ apiVersion: "v1", kind: "Pod", metadata: "oops", spec: { containers: "nope" } }, "V1Pod")).toEqual([]);
    expect(findUnknownFields(null, "V1Pod")).toEqual([]);
  });
});

describe("explainPath", () => {
  test("deployment.spec.strategy", () => {
    const e = explainPath("V1Deployment", "spec.strategy")!;
    expect(e.path).toBe("spec.strategy");
    expect(e.type).toBe("DeploymentStrategy");
    expect(e.description).toMatch(/replace existing pods/);
    expect(e.fields.map((f) => [f.name, f.type])).toEqual([
      ["rollingUpdate", "RollingUpdateDeployment"],
      ["type", "string"],
    ]);
  });

  test("steps through lists and shows list/map/leaf type names", () => {
    const ports = explainPath("V1Deployment", "spec.template.spec.containers.ports")!;
    expect(ports.type).toBe("[]ContainerPort");
    expect(ports.fields.find((f) => f.name === "containerPort")).toMatchObject({ type: "integer", required: true });
    const resources = explainPath("V1Pod", "spec.containers.resources")!;
    expect(resources.fields.find((f) => f.name === "limits")?.type).toBe("map[string]Quantity");
    expect(explainPath("V1Deployment", "spec.strategy.rollingUpdate.maxSurge")).toMatchObject({ type: "IntOrString", fields: [] });
    expect(explainPath("V1Deployment", "metadata.labels")?.type).toBe("map[string]string");
    expect(explainPath("V1Pod", "metadata.creationTimestamp")?.type).toBe("Time");
  });

  test("the kind itself and misses", () => {
    const d = explainPath("V1Deployment", "")!;
    expect(d.type).toBe("Deployment");
    expect(d.fields.map((f) => f.name)).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
    expect(d.fields.find((f) => f.name === "metadata")?.description).toMatch(/metadata/);
    expect(explainPath("V1Deployment", "spec.stratgy")).toBeUndefined();
    expect(explainPath("V1Deployment", "spec.replicas.foo")).toBeUndefined();
    expect(explainPath("V1Nope", "spec")).toBeUndefined();
  });

  test("typeName", () => {
    expect(typeName({ kind: "array", items: { kind: "object", ref: "V1Container" } })).toBe("[]Container");
    expect(typeName({ kind: "map", items: { kind: "array", items: { kind: "string" } } })).toBe("map[string][]string");
    expect(typeName({ kind: "any" })).toBe("Object");
  });
});
