// A small controller for the `Website` custom kind, written against the
// Kubernetes API with @kubernetes/client-node only — nothing skiff-specific —
// so it runs unchanged against skiff or a real cluster. For each Website it
// keeps a Deployment and a Service (both owned by the Website, so deleting the
// Website garbage-collects them) and reports progress in the Website's status.
//
// Level-triggered: every watch event or resync just enqueues the Website's key;
// reconcile() reads what exists and makes it match.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch, type V1Deployment, type V1OwnerReference, type V1Service } from "@kubernetes/client-node";

export const GROUP = "example.skiff.dev";
export const VERSION = "v1";
export const PLURAL = "websites";

export interface Website {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; generation?: number; deletionTimestamp?: string };
  spec: { image: string; replicas?: number; port?: number };
  status?: { observedGeneration?: number; availableReplicas?: number; service?: string };
}

export interface WebsiteControllerOptions {
  /** Path of the kubeconfig to use; default: the usual lookup ($KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string;
  /** How often every Website is reconciled even without events (status follows its Deployment). */
  resyncMs?: number;
  log?: (line: string) => void;
}

export interface RunningController {
  stop(): Promise<void>;
}

function isNotFound(e: unknown): boolean {
  return (e as { code?: number }).code === 404;
}

function ownerRef(w: Website): V1OwnerReference {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: "Website", name: w.metadata.name, uid: w.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function desiredDeployment(w: Website): V1Deployment {
  const labels = { "app.kubernetes.io/name": "website", "example.skiff.dev/website": w.metadata.name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: w.metadata.name, namespace: w.metadata.namespace, labels, ownerReferences: [ownerRef(w)] },
    spec: {
      replicas: w.spec.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "web",
              image: w.spec.image,
              command: ["sh", "-c", `mkdir -p /www && echo ${w.metadata.name} > /www/index.html && httpd -f -p ${w.spec.port ?? 8080} -h /www`],
              ports: [{ containerPort: w.spec.port ?? 8080 }],
            },
          ],
        },
      },
    },
  };
}

function desiredService(w: Website): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: w.metadata.name, namespace: w.metadata.namespace, ownerReferences: [ownerRef(w)] },
    spec: { selector: { "example.skiff.dev/website": w.metadata.name }, ports: [{ port: 80, targetPort: w.spec.port ?? 8080 }] },
  };
}

export async function startWebsiteController(opts: WebsiteControllerOptions = {}): Promise<RunningController> {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const log = opts.log ?? ((line: string) => console.log(line));

  const queue = new Set<string>();
  let wake: (() => void) | undefined;
  let stopped = false;
  const enqueue = (ns: string, name: string) => {
    queue.add(`${ns}/${name}`);
    wake?.();
  };

  async function reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split("/");
    let w: Website;
    try {
      w = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as Website;
    } catch (e) {
      if (isNotFound(e)) return; // deleted: the garbage collector removes what it owned
      throw e;
    }
    if (w.metadata.deletionTimestamp) return;

    const want = desiredDeployment(w);
    let deployment: V1Deployment;
    try {
      deployment = await apps.readNamespacedDeployment({ name, namespace });
      if (deployment.spec?.replicas !== want.spec!.replicas || deployment.spec?.template.spec?.containers[0]?.image !== w.spec.image) {
        deployment.spec = want.spec;
        deployment = await apps.replaceNamespacedDeployment({ name, namespace, body: deployment });
        log(`website ${key}: deployment updated`);
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
      deployment = await apps.createNamespacedDeployment({ namespace, body: want });
      log(`website ${key}: deployment created`);
    }
    try {
      await core.readNamespacedService({ name, namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await core.createNamespacedService({ namespace, body: desiredService(w) });
      log(`website ${key}: service created`);
    }

    const status = { observedGeneration: w.metadata.generation, availableReplicas: deployment.status?.availableReplicas ?? 0, service: `${name}.${namespace}.svc` };
    if (JSON.stringify(status) !== JSON.stringify({ ...w.status })) {
      await custom.replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { ...w, status } });
    }
  }

  // Watch Websites (and Deployments they own, whose status feeds theirs).
  const watch = new Watch(kc);
  const watches: Array<{ abort(): void }> = [];
  const startWatch = async (path: string, onObject: (obj: { metadata?: { namespace?: string; name?: string; ownerReferences?: V1OwnerReference[] } }) => void) => {
    const run = async (): Promise<void> => {
      if (stopped) return;
      try {
        const req = await watch.watch(path, {}, (_type, obj) => onObject(obj), () => {
          if (!stopped) setTimeout(() => void run(), 500);
        });
        watches.push(req);
      } catch {
        if (!stopped) setTimeout(() => void run(), 500);
      }
    };
    await run();
  };
  await startWatch(`/apis/${GROUP}/${VERSION}/${PLURAL}`, (o) => enqueue(o.metadata!.namespace!, o.metadata!.name!));
  await startWatch("/apis/apps/v1/deployments", (o) => {
    const owner = o.metadata?.ownerReferences?.find((r) => r.kind === "Website" && r.apiVersion === `${GROUP}/${VERSION}`);
    if (owner) enqueue(o.metadata!.namespace!, owner.name);
  });
  const resync = setInterval(async () => {
    try {
      const list = (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as { items: Website[] };
      for (const w of list.items) enqueue(w.metadata.namespace, w.metadata.name);
    } catch {
      // the next resync tries again
    }
  }, opts.resyncMs ?? 5_000);

  // One worker: a key is never reconciled twice at once; failures retry after a pause.
  const worker = (async () => {
    while (!stopped) {
      const key = queue.values().next().value as string | undefined;
      if (key === undefined) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      queue.delete(key);
      try {
        await reconcile(key);
      } catch (e) {
        log(`website ${key}: ${(e as Error).message}; retrying`);
        setTimeout(() => enqueue(...(key.split("/") as [string, string])), 1_000);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      clearInterval(resync);
      for (const w of watches) w.abort();
      wake?.();
      await worker;
    },
  };
}

// `node dist/examples/website-controller/controller.js` runs it with the default kubeconfig.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  startWebsiteController().then(
    (c) => {
      console.log("website controller running; Ctrl-C to stop");
      process.on("SIGINT", () => void c.stop().then(() => process.exit(0)));
    },
    (e: Error) => {
      console.error(`error: ${e.message}`);
      process.exit(1);
    },
  );
}
