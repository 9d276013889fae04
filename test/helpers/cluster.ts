// The one in-process test cluster: a memory store, a bootstrapped Registry and
// an in-process client over it. No ports, no processes; close() releases the
// store. Tests that need agents, a scheduler or HTTPS use lab-cluster.ts or
// skiff-process.ts instead.
import { Registry } from "../../pkg/apiserver/registry.js";
import { InProcessClient } from "../../pkg/client/in-process.js";
import { openStore, type Store } from "../../pkg/store/index.js";

export interface TestCluster {
  store: Store;
  registry: Registry;
  client: InProcessClient;
  close(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const store = await openStore("memory");
  const registry = new Registry(store);
  await registry.bootstrap();
  return { store, registry, client: new InProcessClient(registry), close: async () => store.close() };
}
