// Subprotocol names of Kubernetes' streaming APIs, as kubectl and client-go send them.

/** WebSocket channel protocols for exec/attach, newest first (v5 adds the stdin close signal). */
export const CHANNEL_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"] as const;
export type ChannelProtocol = (typeof CHANNEL_PROTOCOLS)[number];

/** SPDY remotecommand versions served over the plain upgrade (v5 only exists on WebSockets). */
export const SPDY_EXEC_PROTOCOLS = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"] as const;

/** SPDY/3.1 framed inside WebSocket binary messages (kubectl port-forward since 1.30). */
export const SPDY_OVER_WEBSOCKET_PORTFORWARD = "SPDY/3.1+portforward.k8s.io";
/** The plain SPDY upgrade's X-Stream-Protocol-Version for port-forward. */
export const SPDY_PORTFORWARD = "portforward.k8s.io";
/** The WebSocket port-forward protocol (channels 2i data, 2i+1 error per port; the Python client). */
export const WEBSOCKET_PORTFORWARD_PROTOCOLS = ["v4.channel.k8s.io", "portforward.k8s.io", "channel.k8s.io"] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** True when the protocol carries a metav1.Status (not plain text) on the error channel. */
export function statusIsJson(protocol: string): boolean {
  return protocol === "v4.channel.k8s.io" || protocol === "v5.channel.k8s.io";
}

/** The first protocol of ours the client offered ("a, b" header lists included), or undefined. */
export function negotiate(offered: string | string[] | undefined, ours: readonly string[]): string | undefined {
  const list = (Array.isArray(offered) ? offered : [offered ?? ""])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  return ours.find((p) => list.includes(p));
}
