// One shared Docker events subscription fanned out to listeners. It re-subscribes
// with back-off whenever the stream breaks (daemon restart, socket gone), and then
// emits "resync": events during the gap are lost, so listeners must relist.
import type Dockerode from "dockerode";
import type { Clock, TimerHandle } from "../util/clock.js";
import { LineSplitter } from "./line-queue.js";
import { LABELS, type RuntimeEvent, type RuntimeEventType } from "./runtime.js";

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

const ACTIONS: readonly RuntimeEventType[] = ["start", "die", "oom"];

/** Maps one line of /events output to a RuntimeEvent (undefined for anything else). */
export function parseDockerEvent(line: string): RuntimeEvent | undefined {
  let m: DockerEventMessage;
  try {
    m = JSON.parse(line) as DockerEventMessage;
  } catch {
    return undefined;
  }
  const action = m.Action as RuntimeEventType | undefined;
  if (m.Type !== "container" || !action || !ACTIONS.includes(action) || !m.Actor?.ID) return undefined;
  const attrs = m.Actor.Attributes ?? {};
  // Attributes mixes the container's labels with name/image/exitCode: keep skiff's labels only
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith("skiff.")) labels[k] = v;
  const ev: RuntimeEvent = {
    type: action,
    id: m.Actor.ID,
    labels,
    time: m.timeNano ? Math.floor(m.timeNano / 1e6) : (m.time ?? 0) * 1000,
  };
  if (action === "die" && attrs.exitCode !== undefined) ev.exitCode = Number(attrs.exitCode);
  return ev;
}

export class DockerEventStream {
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private stream: NodeJS.ReadableStream | undefined;
  private retry: TimerHandle | undefined;
  private delayMs: number;
  private interrupted = false;
  private generation = 0;

  constructor(
    private readonly docker: Dockerode,
    private readonly clock: Clock,
    private readonly minDelayMs = 250,
    private readonly maxDelayMs = 5000,
  ) {
    this.delayMs = minDelayMs;
  }

  subscribe(onEvent: (ev: RuntimeEvent) => void): () => void {
    const l = (ev: RuntimeEvent) => onEvent(ev);
    this.listeners.add(l);
    if (this.listeners.size === 1) void this.connect();
    return () => {
      if (!this.listeners.delete(l)) return;
      if (this.listeners.size === 0) this.disconnect();
    };
  }

  /** Unsubscribes everyone. Idempotent. */
  close(): void {
    this.listeners.clear();
    this.disconnect();
  }

  private emit(ev: RuntimeEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // a throwing listener must not kill the stream for the others
      }
    }
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    this.retry = undefined;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getEvents({
        filters: { type: ["container"], event: [...ACTIONS], label: [LABELS.podUid] },
      } as Dockerode.GetEventsOptions);
    } catch {
      if (gen === this.generation) this.scheduleReconnect(gen);
      return;
    }
    if (gen !== this.generation || this.listeners.size === 0) {
      destroy(stream);
      return;
    }
    this.stream = stream;
    this.delayMs = this.minDelayMs;
    if (this.interrupted) {
      this.interrupted = false;
      this.emit({ type: "resync", time: this.clock.now() });
    }
    const splitter = new LineSplitter((line) => {
      const ev = parseDockerEvent(line);
      if (ev) this.emit(ev);
    });
    stream.on("data", (chunk: Buffer) => splitter.write(chunk));
    const broken = () => {
      if (gen !== this.generation) return; // we closed it ourselves
      this.stream = undefined;
      this.scheduleReconnect(gen);
    };
    stream.on("end", broken);
    stream.on("close", broken);
    stream.on("error", broken);
  }

  private scheduleReconnect(gen: number): void {
    if (this.retry || this.listeners.size === 0 || gen !== this.generation) return;
    this.interrupted = true;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.maxDelayMs, this.delayMs * 2);
    this.retry = this.clock.setTimeout(() => void this.connect(), delay);
  }

  private disconnect(): void {
    this.generation++;
    this.retry?.cancel();
    this.retry = undefined;
    if (this.stream) destroy(this.stream);
    this.stream = undefined;
    this.interrupted = false;
  }
}

function destroy(s: NodeJS.ReadableStream): void {
  (s as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
