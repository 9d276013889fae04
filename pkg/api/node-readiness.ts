// A node's readiness as its Ready condition states it. One reading for the
// printer, the controllers and the scheduler, so "no Ready condition yet" means
// the same everywhere (undefined here; Unknown in `get nodes`).

/** The shape every node type in skiff shares: the wire Node and the printers' and scheduler's views of it. */
export interface NodeWithConditions {
  status?: { conditions?: ReadonlyArray<{ type: string; status: string }> };
}

/** The Ready condition's status ("True", "False", "Unknown"), or undefined while the node has reported none. */
export function nodeReadyStatus(node: NodeWithConditions | undefined): string | undefined {
  return node?.status?.conditions?.find((c) => c.type === "Ready")?.status;
}
