// @ts-check
// The skiff dashboard: a live view of the cluster in one small script, no
// framework. Data comes from the normal API (lists, scale, delete, logs) with
// the session cookie, and changes arrive on one multiplexed watch stream
// (/ui/watch) that resumes from the last resourceVersion it saw.

/** @typedef {{ metadata: { name: string, namespace?: string, resourceVersion?: string, creationTimestamp?: string, deletionTimestamp?: string, uid?: string }, spec?: any, status?: any, [k: string]: any }} Obj */

/** The kinds on the page and where the API lists them (all namespaces). */
const LISTS = {
  nodes: "/api/v1/nodes",
  namespaces: "/api/v1/namespaces",
  pods: "/api/v1/pods",
  deployments: "/apis/apps/v1/deployments",
  services: "/api/v1/services",
  endpoints: "/api/v1/endpoints",
  events: "/api/v1/events",
};
/** @typedef {keyof typeof LISTS} Kind */

const state = {
  /** @type {Record<Kind, Map<string, Obj>>} */
  objects: /** @type {any} */ (Object.fromEntries(Object.keys(LISTS).map((k) => [k, new Map()]))),
  /** "*" = all namespaces */
  namespace: localStorage.getItem("skiff.namespace") || "default",
  /** Resume point of the watch stream; "" = relist first. */
  rv: "",
  /** Replica counts the user asked for that the watch has not confirmed yet, by ns/name. */
  /** @type {Map<string, number>} */
  pendingScale: new Map(),
  /** The pod whose delete button is waiting for its confirming second click. */
  /** @type {string | null} */
  confirmDelete: null,
  /** @type {Set<string>} */
  deleting: new Set(),
  /** Kinds served by CustomResourceDefinitions, by "plural.group"; null = the user may not list CRDs. */
  /** @type {Map<string, { kind: string, group: string, path: string, namespaced: boolean }> | null} */
  customKinds: null,
  /** The server's Table (printer columns) for each custom kind, all namespaces. */
  /** @type {Map<string, { columnDefinitions: Array<{ name: string, priority: number }>, rows: Array<{ cells: unknown[], object?: Obj }> }>} */
  customTables: new Map(),
};

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const keyOf = (/** @type {Obj} */ o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

// ---- API -------------------------------------------------------------------

class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * A call to the API with the session cookie. Writes carry X-Skiff-CSRF, which
 * the server demands of cookie sessions (a cross-site form cannot set it).
 * @param {string} method @param {string} path @param {{ body?: unknown, contentType?: string, accept?: string, signal?: AbortSignal }} [opts]
 */
async function api(method, path, opts = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: opts.accept ?? "application/json" };
  if (method !== "GET") headers["X-Skiff-CSRF"] = "1";
  if (opts.body !== undefined) headers["Content-Type"] = opts.contentType ?? "application/json";
  const init = { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), credentials: /** @type {const} */ ("same-origin"), signal: opts.signal };
  let res;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(path, init);
      break;
    } catch (e) {
      // The connection dropped before an answer (Chromium aborts requests whenever the host's
      // network interfaces change, e.g. as Docker adds containers). Every call this page makes is
      // safe to repeat: reads, an absolute replica count, a delete.
      if (opts.signal?.aborted || attempt >= 4) throw e;
      await sleep(300 * attempt);
    }
  }
  if (res.status === 401) {
    // The session expired or the server restarted: back to the login form.
    location.reload();
    throw new HttpError(401, "logged out");
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).message ?? message;
    } catch {
      // not a Status body; keep the HTTP status line
    }
    throw new HttpError(res.status, message);
  }
  return res;
}

const nsPath = (/** @type {string} */ ns) => `/namespaces/${encodeURIComponent(ns)}`;

// ---- live data: list, then one watch stream, reconnecting with back-off -----

async function relist() {
  const kinds = /** @type {Kind[]} */ (Object.keys(LISTS));
  const lists = await Promise.all(kinds.map(async (k) => (await api("GET", LISTS[k])).json()));
  let rv = Infinity;
  kinds.forEach((k, i) => {
    state.objects[k] = new Map(lists[i].items.map((/** @type {Obj} */ o) => [keyOf(o), o]));
    // Resume from the oldest list: replaying a few events already seen is harmless (they are upserts).
    rv = Math.min(rv, Number(lists[i].metadata.resourceVersion));
  });
  state.rv = String(rv);
  await loadCustomKinds();
  scheduleRender();
}

// ---- custom resources: one table per CRD-served kind, with the server's printer columns ----

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

async function loadCustomKinds() {
  let crds;
  try {
    crds = (await (await api("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).json()).items;
  } catch {
    state.customKinds = null; // not allowed to list CRDs: no section, and the stream does not ask for them
    return;
  }
  state.customKinds = new Map();
  for (const crd of crds) {
    const established = (crd.status?.conditions ?? []).some((/** @type {any} */ c) => c.type === "Established" && c.status === "True");
    const storage = (crd.spec.versions ?? []).find((/** @type {any} */ v) => v.storage);
    if (!established || !storage || crd.metadata.deletionTimestamp) continue;
    state.customKinds.set(`${crd.spec.names.plural}.${crd.spec.group}`, {
      kind: crd.spec.names.kind,
      group: crd.spec.group,
      path: `/apis/${crd.spec.group}/${storage.name}/${crd.spec.names.plural}`,
      namespaced: crd.spec.scope === "Namespaced",
    });
  }
  state.customTables = new Map();
  await Promise.all([...state.customKinds.keys()].map(refreshCustomTable));
}

/** @param {string} name */
async function refreshCustomTable(name) {
  const k = state.customKinds?.get(name);
  if (!k) return;
  try {
    state.customTables.set(name, await (await api("GET", k.path, { accept: TABLE })).json());
  } catch {
    state.customTables.delete(name);
  }
  scheduleRender();
}

/** @type {Map<string, number>} */
const customRefresh = new Map();
/** Many changes of one kind in a burst become one table fetch. @param {string} name */
function scheduleCustomRefresh(name) {
  if (customRefresh.has(name)) return;
  customRefresh.set(name, window.setTimeout(() => {
    customRefresh.delete(name);
    void refreshCustomTable(name);
  }, 100));
}

/** The names the watch stream carries: the page's kinds, plus CRDs and their kinds when allowed. */
function streamResources() {
  const names = [...Object.keys(LISTS)];
  if (state.customKinds) names.push("customresourcedefinitions", ...state.customKinds.keys());
  return names.join(",");
}

let connected = false;

/** Reads the stream until it ends; "expired" means the resume point is gone and we must relist. */
async function watchOnce() {
  const res = await api("GET", `/ui/watch?resourceVersion=${state.rv}&resources=${encodeURIComponent(streamResources())}`);
  connected = true;
  setConn("live", "live");
  const reader = /** @type {ReadableStream<Uint8Array>} */ (res.body).getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return "ended";
    buf += decoder.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line && applyEvent(JSON.parse(line)) === "expired") return "expired";
    }
  }
}

/** @param {{ type: string, resource?: Kind, object: any }} ev */
function applyEvent(ev) {
  if (ev.type === "ERROR") return ev.object?.code === 410 ? "expired" : undefined;
  const rv = ev.object?.metadata?.resourceVersion;
  if (rv) state.rv = rv;
  if (ev.type === "BOOKMARK" || !ev.resource) return;
  // A CRD came or went: relist, so the stream follows the new set of kinds.
  if (/** @type {string} */ (ev.resource) === "customresourcedefinitions") return "expired";
  if (state.customKinds?.has(ev.resource)) return scheduleCustomRefresh(ev.resource);
  const map = state.objects[ev.resource];
  if (!map) return;
  const key = keyOf(ev.object);
  if (ev.type === "DELETED") map.delete(key);
  else map.set(key, ev.object);
  if (ev.resource === "deployments" && state.pendingScale.get(key) === ev.object.spec?.replicas) state.pendingScale.delete(key);
  scheduleRender();
}

async function syncForever() {
  let delay = 1000;
  for (;;) {
    connected = false;
    try {
      if (!state.rv) await relist();
      if ((await watchOnce()) === "expired") state.rv = "";
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) return;
      if (e instanceof HttpError && e.status === 410) state.rv = "";
    }
    // The server answered, so it is up: a dropped stream comes back quickly. Only failures to
    // connect at all back off (1 s, 2 s, 4 s… 30 s), so a server that is down sees no storm.
    if (connected) delay = 1000;
    const wait = delay / 2 + Math.random() * (delay / 2);
    setConn("reconnecting", `reconnecting in ${Math.ceil(wait / 1000)}s`);
    await sleep(wait);
    delay = Math.min(delay * 2, 30_000);
  }
}

/** @param {"live" | "reconnecting" | "connecting"} kind @param {string} text */
function setConn(kind, text) {
  const el = $("conn");
  el.className = `conn ${kind}`;
  el.textContent = text;
}

// ---- quantities and times ------------------------------------------------------

const SUFFIX = /** @type {Record<string, number>} */ ({
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
});

/** "500m" → 0.5, "128Mi" → 134217728; unparseable → 0. @param {unknown} q */
function quantity(q) {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(String(q ?? "").trim());
  const mult = m ? SUFFIX[m[2]] : undefined;
  return m && mult !== undefined ? parseFloat(m[1]) * mult : 0;
}

const fmtCpu = (/** @type {number} */ c) => (c < 1 ? `${Math.round(c * 1000)}m` : `${+c.toFixed(2)}`);
function fmtBytes(/** @type {number} */ b) {
  for (const [unit, size] of /** @type {[string, number][]} */ ([["Gi", 2 ** 30], ["Mi", 2 ** 20], ["Ki", 2 ** 10]])) {
    if (b >= size) return `${+(b / size).toFixed(1)}${unit}`;
  }
  return `${b}`;
}

/** kubectl's AGE: 42s, 5m, 3h, 2d. @param {string | undefined} ts */
function age(ts) {
  if (!ts) return "";
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** @param {unknown} s */
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// ---- what the tables show ------------------------------------------------------

const inNamespace = (/** @type {Obj} */ o) => state.namespace === "*" || o.metadata.namespace === state.namespace;
/** @param {Kind} kind */
const visible = (kind) => [...state.objects[kind].values()].filter(inNamespace).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

/** The STATUS column as kubectl prints it, and a colour class. @param {Obj} pod */
function podStatus(pod) {
  if (pod.metadata.deletionTimestamp) return { text: "Terminating", tone: "gone" };
  const statuses = /** @type {any[]} */ (pod.status?.containerStatuses ?? []);
  for (const c of statuses) {
    const reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (reason && !(pod.status?.phase === "Running" && c.ready)) {
      return { text: reason, tone: /BackOff|Err|OOM|Error|Invalid/.test(reason) ? "bad" : reason === "Completed" ? "done" : "progress" };
    }
  }
  const phase = pod.status?.phase ?? "Pending";
  const tone = { Running: statuses.every((c) => c.ready) ? "ok" : "progress", Pending: "progress", Succeeded: "done", Failed: "bad" }[phase] ?? "gone";
  return { text: phase, tone };
}

/** Requests of the pods bound to each node that still hold their resources. */
function allocations() {
  /** @type {Map<string, { cpu: number, memory: number, pods: number }>} */
  const byNode = new Map();
  for (const pod of state.objects.pods.values()) {
    const node = pod.spec?.nodeName;
    if (!node || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
    const a = byNode.get(node) ?? { cpu: 0, memory: 0, pods: 0 };
    for (const c of pod.spec?.containers ?? []) {
      a.cpu += quantity(c.resources?.requests?.cpu);
      a.memory += quantity(c.resources?.requests?.memory);
    }
    a.pods += 1;
    byNode.set(node, a);
  }
  return byNode;
}

/** @param {string} label @param {number} used @param {number} total @param {(n: number) => string} fmt */
function bar(label, used, total, fmt) {
  const pct = total > 0 ? (used / total) * 100 : 0;
  const tone = pct > 100 ? "bad" : pct >= 80 ? "warn" : "ok";
  return `<div class="meter"><span class="meter-label">${esc(label)}</span>
    <span class="bar" role="meter" aria-label="${esc(label)} allocated" aria-valuemin="0" aria-valuemax="${total}" aria-valuenow="${used}"><span class="fill ${tone}" style="width:${Math.min(pct, 100).toFixed(1)}%"></span></span>
    <span class="meter-value">${esc(fmt(used))} / ${esc(fmt(total))} <span class="muted">(${Math.round(pct)}%)</span></span></div>`;
}

function renderNodes() {
  const alloc = allocations();
  const nodes = [...state.objects.nodes.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (nodes.length === 0) return `<p class="empty">No nodes registered.</p>`;
  return nodes
    .map((n) => {
      const ready = (n.status?.conditions ?? []).find((/** @type {any} */ c) => c.type === "Ready")?.status === "True";
      const cap = n.status?.allocatable ?? n.status?.capacity ?? {};
      const a = alloc.get(n.metadata.name) ?? { cpu: 0, memory: 0, pods: 0 };
      const cordoned = n.spec?.unschedulable ? ` <span class="badge gone">SchedulingDisabled</span>` : "";
      return `<article class="card" data-node="${esc(n.metadata.name)}">
        <header><strong>${esc(n.metadata.name)}</strong> <span class="badge ${ready ? "ok" : "bad"}">${ready ? "Ready" : "NotReady"}</span>${cordoned}</header>
        ${bar("CPU", a.cpu, quantity(cap.cpu), fmtCpu)}
        ${bar("Memory", a.memory, quantity(cap.memory), fmtBytes)}
        ${bar("Pods", a.pods, quantity(cap.pods), (x) => String(Math.round(x)))}
        <footer class="muted">${esc(n.status?.addresses?.find((/** @type {any} */ x) => x.type === "InternalIP")?.address ?? "")} · ${esc(age(n.metadata.creationTimestamp))}</footer>
      </article>`;
    })
    .join("");
}

function renderDeployments() {
  const rows = visible("deployments").map((d) => {
    const key = keyOf(d);
    const desired = d.spec?.replicas ?? 1;
    const shown = state.pendingScale.get(key) ?? desired;
    const s = d.status ?? {};
    const [updated, ready, available] = [s.updatedReplicas ?? 0, s.readyReplicas ?? 0, s.availableReplicas ?? 0];
    const width = Math.max(desired, s.replicas ?? 0, 1);
    const pct = (/** @type {number} */ n) => `${((n / width) * 100).toFixed(1)}%`;
    const done = ready === desired && updated === desired && available === desired && (s.replicas ?? 0) === desired;
    const name = esc(d.metadata.name);
    return `<tr data-deployment="${esc(key)}">
      <td class="name">${name}${state.namespace === "*" ? `<div class="muted">${esc(d.metadata.namespace)}</div>` : ""}</td>
      <td><div class="rollout" title="updated ${updated}, ready ${ready}, available ${available} of ${desired}">
        <span class="seg updated" style="width:${pct(updated)}"></span><span class="seg ready" style="width:${pct(ready)}"></span><span class="seg available" style="width:${pct(available)}"></span>
      </div><span class="muted small">${done ? "complete" : "rolling out"}</span></td>
      <td class="ready">${ready}/${desired}</td><td>${updated}</td><td>${available}</td>
      <td><div class="scale">
        <button type="button" data-action="scale" data-key="${esc(key)}" data-delta="-1" aria-label="Scale down ${name}" ${shown <= 0 ? "disabled" : ""}>−</button>
        <output class="replicas" aria-label="Replicas of ${name}">${shown}</output>
        <button type="button" data-action="scale" data-key="${esc(key)}" data-delta="1" aria-label="Scale up ${name}">+</button>
      </div></td>
      <td>${esc(age(d.metadata.creationTimestamp))}</td></tr>`;
  });
  return rows.join("") || emptyRow(7, "No deployments in this namespace.");
}

function renderPods() {
  const rows = visible("pods").map((p) => {
    const key = keyOf(p);
    const st = podStatus(p);
    const statuses = /** @type {any[]} */ (p.status?.containerStatuses ?? []);
    const total = p.spec?.containers?.length ?? statuses.length;
    const ready = statuses.filter((c) => c.ready).length;
    const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    const name = esc(p.metadata.name);
    const confirming = state.confirmDelete === key;
    const deleting = state.deleting.has(key) || !!p.metadata.deletionTimestamp;
    return `<tr data-pod="${esc(key)}" data-phase="${esc(p.status?.phase ?? "Pending")}">
      <td class="name"><button type="button" class="link" data-action="logs" data-key="${esc(key)}" aria-label="Logs of ${name}">${name}</button>${state.namespace === "*" ? `<div class="muted">${esc(p.metadata.namespace)}</div>` : ""}</td>
      <td><span class="badge ${st.tone}">${esc(st.text)}</span></td>
      <td>${ready}/${total}</td>
      <td class="${restarts > 0 ? "warn-text" : ""}">${restarts}</td>
      <td>${esc(p.spec?.nodeName ?? "")}</td>
      <td class="mono">${esc(p.status?.podIP ?? "")}</td>
      <td>${esc(age(p.metadata.creationTimestamp))}</td>
      <td class="actions">${
        deleting
          ? `<span class="muted">deleting…</span>`
          : `<button type="button" class="${confirming ? "danger" : "quiet"}" data-action="delete-pod" data-key="${esc(key)}" aria-label="${confirming ? "Confirm delete of" : "Delete"} ${name}">${confirming ? "Confirm delete" : "Delete"}</button>`
      }</td></tr>`;
  });
  return rows.join("") || emptyRow(8, "No pods in this namespace.");
}

function renderServices() {
  const rows = visible("services").map((s) => {
    const ep = state.objects.endpoints.get(keyOf(s));
    const addrs = [];
    let notReady = 0;
    for (const sub of ep?.subsets ?? []) {
      const port = sub.ports?.[0]?.port;
      for (const a of sub.addresses ?? []) addrs.push(port ? `${a.ip}:${port}` : a.ip);
      notReady += sub.notReadyAddresses?.length ?? 0;
    }
    const ports = (s.spec?.ports ?? [])
      .map((/** @type {any} */ p) => `${p.port}${p.targetPort && p.targetPort !== p.port ? `→${p.targetPort}` : ""}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`)
      .join(", ");
    const shownAddrs = addrs.slice(0, 4).map((a) => `<span class="mono chip">${esc(a)}</span>`).join(" ");
    const more = addrs.length > 4 ? ` <span class="muted">+${addrs.length - 4} more</span>` : "";
    const nr = notReady > 0 ? ` <span class="muted">(${notReady} not ready)</span>` : "";
    return `<tr data-service="${esc(keyOf(s))}">
      <td class="name">${esc(s.metadata.name)}</td><td>${esc(s.spec?.type ?? "ClusterIP")}</td>
      <td class="mono">${esc(s.spec?.clusterIP ?? "")}</td><td class="mono">${esc(ports)}</td>
      <td>${addrs.length === 0 && notReady === 0 ? `<span class="muted">none</span>` : shownAddrs + more + nr}</td>
      <td>${esc(age(s.metadata.creationTimestamp))}</td></tr>`;
  });
  return rows.join("") || emptyRow(6, "No services in this namespace.");
}

function renderEvents() {
  const when = (/** @type {Obj} */ e) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? "";
  // Newest first; within one second, the later write (higher resourceVersion) first.
  const rv = (/** @type {Obj} */ e) => Number(e.metadata.resourceVersion ?? 0);
  const events = [...state.objects.events.values()].filter(inNamespace).sort((a, b) => when(b).localeCompare(when(a)) || rv(b) - rv(a)).slice(0, 25);
  const rows = events.map((e) => {
    const obj = e.involvedObject ?? {};
    const count = e.count > 1 ? ` <span class="muted">×${e.count}</span>` : "";
    return `<tr><td>${esc(age(when(e)))}</td><td><span class="badge ${e.type === "Warning" ? "bad" : "neutral"}">${esc(e.type ?? "Normal")}</span></td>
      <td>${esc(e.reason ?? "")}</td><td class="mono">${esc(`${String(obj.kind ?? "").toLowerCase()}/${obj.name ?? ""}`)}</td><td>${esc(e.message ?? "")}${count}</td></tr>`;
  });
  return rows.join("") || emptyRow(5, "No events in this namespace.");
}

const emptyRow = (/** @type {number} */ cols, /** @type {string} */ text) => `<tr><td colspan="${cols}" class="empty">${esc(text)}</td></tr>`;

function renderNamespaces() {
  const names = [...state.objects.namespaces.values()].map((n) => n.metadata.name).sort();
  if (!names.includes(state.namespace) && state.namespace !== "*") names.unshift(state.namespace);
  return [`<option value="*">All namespaces</option>`, ...names.map((n) => `<option value="${esc(n)}">${esc(n)}</option>`)].join("");
}

function renderSummary() {
  const nodes = [...state.objects.nodes.values()];
  const readyNodes = nodes.filter((n) => (n.status?.conditions ?? []).some((/** @type {any} */ c) => c.type === "Ready" && c.status === "True")).length;
  const pods = visible("pods");
  const running = pods.filter((p) => p.status?.phase === "Running").length;
  return `${readyNodes}/${nodes.length} nodes ready · ${running}/${pods.length} pods running`;
}

/** Replace an element's HTML only when it changed, so hover, focus and text selection survive quiet updates. */
function setHtml(/** @type {string} */ id, /** @type {string} */ html) {
  const el = $(id);
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
}

let renderTimer = 0;
/** Many events in a burst (a scale-up) become one render. */
function scheduleRender() {
  if (!renderTimer) renderTimer = window.setTimeout(render, 30);
}

function render() {
  renderTimer = 0;
  setHtml("namespace", renderNamespaces());
  /** @type {HTMLSelectElement} */ ($("namespace")).value = state.namespace;
  $("summary").textContent = renderSummary();
  setHtml("nodes", renderNodes());
  setHtml("deployments", renderDeployments());
  setHtml("pods", renderPods());
  setHtml("services", renderServices());
  setHtml("events", renderEvents());
  $("custom-section").hidden = !state.customKinds || state.customKinds.size === 0;
  setHtml("custom", renderCustom());
}

function renderCustom() {
  const out = [];
  for (const [name, k] of state.customKinds ?? []) {
    const table = state.customTables.get(name);
    if (!table) continue;
    const cols = table.columnDefinitions.map((c, i) => ({ ...c, i })).filter((c) => c.priority === 0);
    const rows = table.rows.filter((r) => !k.namespaced || !r.object || inNamespace(r.object));
    const head = `${k.namespaced && state.namespace === "*" ? "<th>Namespace</th>" : ""}${cols.map((c) => `<th>${esc(c.name)}</th>`).join("")}`;
    const body = rows.length === 0
      ? `<tr><td class="empty" colspan="${cols.length + 1}">No ${esc(k.kind)} objects${k.namespaced && state.namespace !== "*" ? " in this namespace" : ""}</td></tr>`
      : rows.map((r) => `<tr>${k.namespaced && state.namespace === "*" ? `<td>${esc(r.object?.metadata.namespace)}</td>` : ""}${cols.map((c) => `<td>${esc(r.cells[c.i] ?? "<none>")}</td>`).join("")}</tr>`).join("");
    out.push(`<h3>${esc(k.kind)} <span class="muted">${esc(k.group)}</span></h3><table data-kind="${esc(name)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`);
  }
  return out.join("");
}

// ---- actions -----------------------------------------------------------------

/** @param {string} text */
function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(Number(el.dataset.timer));
  el.dataset.timer = String(setTimeout(() => (el.hidden = true), 6000));
}

/** @param {string} key */
const split = (key) => {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
};

/** @param {string} key @param {number} delta */
async function scale(key, delta) {
  const d = state.objects.deployments.get(key);
  if (!d) return;
  const target = Math.max(0, (state.pendingScale.get(key) ?? d.spec?.replicas ?? 1) + delta);
  state.pendingScale.set(key, target);
  render();
  const [ns, name] = split(key);
  try {
    // What `kubectl scale` sends: a merge patch of the autoscaling/v1 Scale subresource.
    await api("PATCH", `/apis/apps/v1${nsPath(ns)}/deployments/${encodeURIComponent(name)}/scale`, {
      body: { spec: { replicas: target } },
      contentType: "application/merge-patch+json",
    });
  } catch (e) {
    state.pendingScale.delete(key);
    toast(`Scaling ${name} failed: ${/** @type {Error} */ (e).message}`);
    render();
  }
}

let confirmTimer = 0;
/** First click arms the button, the second deletes: no modal dialog, no accidents. @param {string} key */
async function deletePod(key) {
  if (state.confirmDelete !== key) {
    state.confirmDelete = key;
    clearTimeout(confirmTimer);
    confirmTimer = window.setTimeout(() => {
      state.confirmDelete = null;
      render();
    }, 5000);
    render();
    return;
  }
  state.confirmDelete = null;
  state.deleting.add(key);
  render();
  const [ns, name] = split(key);
  try {
    await api("DELETE", `/api/v1${nsPath(ns)}/pods/${encodeURIComponent(name)}`, { body: { propagationPolicy: "Background" } });
  } catch (e) {
    // Already gone (a repeated request, or someone else was quicker): that is what we wanted.
    if (e instanceof HttpError && e.status === 404) return;
    toast(`Deleting ${name} failed: ${/** @type {Error} */ (e).message}`);
  } finally {
    state.deleting.delete(key);
    render();
  }
}

// ---- logs panel ----------------------------------------------------------------

/** @type {{ key: string, abort: AbortController } | null} */
let logs = null;
const MAX_LOG_CHARS = 400_000;

/** @param {string} key */
function openLogs(key) {
  const pod = state.objects.pods.get(key);
  if (!pod) return;
  const select = /** @type {HTMLSelectElement} */ ($("logs-container"));
  select.innerHTML = (pod.spec?.containers ?? []).map((/** @type {any} */ c) => `<option>${esc(c.name)}</option>`).join("");
  $("logs-title").textContent = `Logs · ${pod.metadata.name}`;
  $("logs").hidden = false;
  document.body.classList.add("with-logs");
  streamLogs(key);
}

/** @param {string} key */
async function streamLogs(key) {
  logs?.abort.abort();
  const abort = new AbortController();
  logs = { key, abort };
  const [ns, name] = split(key);
  const container = /** @type {HTMLSelectElement} */ ($("logs-container")).value;
  const follow = /** @type {HTMLInputElement} */ ($("logs-follow")).checked;
  const pre = $("logs-text");
  const stateEl = $("logs-state");
  pre.textContent = "";
  stateEl.textContent = follow ? "following…" : "loading…";
  const q = new URLSearchParams({ container, tailLines: "1000", follow: String(follow) });
  try {
    const res = await api("GET", `/api/v1${nsPath(ns)}/pods/${encodeURIComponent(name)}/log?${q}`, { signal: abort.signal });
    const reader = /** @type {ReadableStream<Uint8Array>} */ (res.body).getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
      let text = (pre.textContent ?? "") + decoder.decode(value, { stream: true });
      if (text.length > MAX_LOG_CHARS) text = text.slice(text.length - MAX_LOG_CHARS);
      pre.textContent = text;
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    }
    if (logs?.abort === abort) stateEl.textContent = follow ? "stream ended" : "";
  } catch (e) {
    if (abort.signal.aborted) return;
    if (follow && !(e instanceof HttpError)) {
      // The stream broke (not an error answer): pick it up again, as `kubectl logs -f` users would by hand.
      stateEl.textContent = "reconnecting…";
      await sleep(1000);
      if (logs?.abort === abort) streamLogs(key);
      return;
    }
    stateEl.textContent = "";
    pre.textContent = `(${/** @type {Error} */ (e).message})`;
  }
}

function closeLogs() {
  logs?.abort.abort();
  logs = null;
  $("logs").hidden = true;
  document.body.classList.remove("with-logs");
}

// ---- wiring -----------------------------------------------------------------------

document.addEventListener("click", (e) => {
  const btn = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest("[data-action]"));
  if (!btn || btn.hasAttribute("disabled")) return;
  const key = btn.dataset.key ?? "";
  if (btn.dataset.action === "scale") scale(key, Number(btn.dataset.delta));
  else if (btn.dataset.action === "delete-pod") deletePod(key);
  else if (btn.dataset.action === "logs") openLogs(key);
});
$("namespace").addEventListener("change", (e) => {
  state.namespace = /** @type {HTMLSelectElement} */ (e.target).value;
  localStorage.setItem("skiff.namespace", state.namespace);
  render();
});
$("logs-close").addEventListener("click", closeLogs);
$("logs-container").addEventListener("change", () => logs && streamLogs(logs.key));
$("logs-follow").addEventListener("change", () => logs && streamLogs(logs.key));
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && logs) closeLogs();
});
$("logout").addEventListener("click", async () => {
  await api("POST", "/ui/logout").catch(() => undefined);
  location.replace("/ui/");
});

// Already logged in: a #token=… in the address bar is not needed; do not leave it in history.
if (location.hash.startsWith("#token=")) history.replaceState(null, "", location.pathname + location.search);
api("GET", "/ui/session")
  .then((r) => r.json())
  .then((s) => ($("user").textContent = s.user), () => undefined);
// Ages move on even when nothing changes; this only re-renders locally, no requests.
setInterval(render, 5000);
syncForever();
