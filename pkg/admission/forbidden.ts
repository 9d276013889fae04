// admission.NewForbidden: `pods "web-abc" is forbidden: <reason>`, with the
// resource spelled as Kubernetes spells a GroupResource ("deployments.apps").
import { ApiError } from "../api/errors.js";
import type { ResourceInfo } from "../api/kinds.js";

export function forbidden(info: ResourceInfo, name: string | undefined, reason: string): ApiError {
  const resource = info.group ? `${info.plural}.${info.group}` : info.plural;
  return new ApiError("Forbidden", `${resource} "${name ?? ""}" is forbidden: ${reason}`, {
    name,
    group: info.group || undefined,
    kind: info.plural,
  });
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated in brackets. */
export function aggregateMessage(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}
