// The Priority admission plugin (plugin/pkg/admission/priority): a new pod's
// spec.priority and spec.preemptionPolicy come from its priorityClassName (or
// the globalDefault class, else priority 0), an unknown class is refused, and at
// most one PriorityClass may be the global default — all with Kubernetes' messages.
import { R, resourceKey } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";
import { forbidden } from "./forbidden.js";

interface PriorityClassShape extends KubeObject {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

interface PodPrioritySpec {
  priorityClassName?: unknown;
  priority?: unknown;
  preemptionPolicy?: unknown;
}

/** scheduling.DefaultPriorityWhenNoDefaultClassExists */
const DEFAULT_PRIORITY = 0;
const DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority";

export class PriorityAdmission implements AdmissionPlugin {
  readonly name = "Priority";

  constructor(private readonly store: Store) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.subresource || !a.object) return;
    if (a.info.kind === "Pod" && a.operation === "CREATE") return this.admitPod(a, a.object);
    if (a.info.kind === "PriorityClass" && (a.operation === "CREATE" || a.operation === "UPDATE")) return this.admitClass(a, a.object as PriorityClassShape);
  }

  private classes(): Promise<PriorityClassShape[]> {
    return this.store.list(resourceKey(R.priorityclasses)).then((r) => r.items as PriorityClassShape[]);
  }

  private async admitPod(a: AdmissionAttributes, pod: KubeObject): Promise<void> {
    if (pod.spec === null || typeof pod.spec !== "object" || Array.isArray(pod.spec)) return;
    const spec = pod.spec as PodPrioritySpec;
    const className = typeof spec.priorityClassName === "string" ? spec.priorityClassName : "";
    let priority = DEFAULT_PRIORITY;
    let policy = DEFAULT_PREEMPTION_POLICY;
    if (className === "") {
      const def = (await this.classes()).find((c) => c.globalDefault === true);
      if (def) {
        spec.priorityClassName = def.metadata.name;
        priority = def.value ?? DEFAULT_PRIORITY;
        policy = def.preemptionPolicy ?? DEFAULT_PREEMPTION_POLICY;
      }
    } else {
      const pc = (await this.store.get({ resource: resourceKey(R.priorityclasses), namespace: "", name: className })) as PriorityClassShape | undefined;
      if (!pc) throw forbidden(a.info, pod.metadata.name, `no PriorityClass with name ${className} was found`);
      priority = pc.value ?? DEFAULT_PRIORITY;
      policy = pc.preemptionPolicy ?? DEFAULT_PREEMPTION_POLICY;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
      throw forbidden(a.info, pod.metadata.name, `the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    spec.priority = priority;
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
      throw forbidden(a.info, pod.metadata.name, `the string value of PreemptionPolicy (${String(spec.preemptionPolicy)}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }

  private async admitClass(a: AdmissionAttributes, pc: PriorityClassShape): Promise<void> {
    if (pc.globalDefault !== true) return;
    const other = (await this.classes()).find((c) => c.globalDefault === true && c.metadata.name !== pc.metadata.name);
    if (other) throw forbidden(a.info, pc.metadata.name, `PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`);
  }
}
