// The dashboard in a real browser: Debian's chromium driven by playwright-core
// against a fake-runtime cluster. Log in with the admin token, apply a
// deployment, watch its pods appear, scale it and delete a pod from the page,
// read a pod's logs. No browser is ever downloaded: without /usr/bin/chromium
// (apt-get install -y chromium) the test is skipped, loudly.
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R, RESOURCES, byKind } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import type { ClusterScopedRuntime } from "../../pkg/runtime/cluster-scoped.js";
import type { FakeRuntime } from "../../pkg/runtime/fake.js";
import { eventually } from "../helpers/eventually.js";

// The page's document, for the functions page.waitForFunction runs in the
// browser: the tests compile without the DOM library, so declare what they use.
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  getElementById(id: string): PageElement | null;
};

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`\n*** SKIPPED test/e2e/dashboard.test.ts: ${CHROMIUM} is missing (apt-get install -y chromium); no browser is downloaded ***\n`);
}
/** UPDATE_SCREENSHOT=1 refreshes docs/dashboard.png; otherwise the picture goes to the temp dir (it changes every run). */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === "1" ? join(import.meta.dirname, "../../docs/dashboard.png") : undefined;
const WAIT = { timeout: 30_000 };

describe.skipIf(!haveChromium)("dashboard in chromium", () => {
  let dir: string;
  let cluster: Cluster;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-dashboard-"));
    cluster = await startCluster({ stateDir: join(dir, "state"), store: "memory", port: 0, nodes: 2, runtime: "fake", log: () => undefined });
    // Containers of the web app write a line every 300 ms, so "follow" has something to follow.
    const fake = (cluster.runtime as ClusterScopedRuntime).unwrapped as FakeRuntime;
    fake.addBehaviour({ match: { container: "web" }, behaviour: { logEveryMs: 300, logLine: (n) => `GET / 200 (request ${n})` } });

    // Trust exactly the cluster's serving key (what a user does by accepting the certificate once),
    // instead of switching certificate checks off. Chromium honours this flag only with a --user-data-dir.
    const cert = new X509Certificate(readFileSync(cluster.controlPlane.paths.servingCert));
    const spki = createHash("sha256").update(cert.publicKey.export({ type: "spki", format: "der" })).digest("base64");
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        `--ignore-certificate-errors-spki-list=${spki}`,
      ],
      viewport: { width: 1360, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("request", (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await cluster?.close({ removeContainers: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("logs in with the admin token and gets an HttpOnly, Secure, SameSite=Strict session", async () => {
    await retryNetwork(async () => {
      await page.goto(`${cluster.controlPlane.url}/ui/`);
      if (await page.locator("#token").count()) {
        await page.fill("#token", cluster.controlPlane.token);
        await page.click("button[type=submit]");
      }
      await page.waitForSelector("#conn.live", { timeout: 10_000 });
    });
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
    expect(cookie.name).toMatch(/^__Host-skiff-session-\d+$/);
    // Both nodes, Ready, with capacity bars.
    await page.waitForFunction(() => document.querySelectorAll("[data-node] .badge.ok").length === 2, undefined, WAIT);
    expect(await page.locator("[data-node] [role=meter]").count()).toBe(6);
  });

  it("shows the pods of an applied deployment as they come up", async () => {
    await cluster.client.create(R.deployments, "default", deployment("web", 2));
    await cluster.client.create(R.services, "default", service("web"));
    await waitForRunningPods(page, 2);
    // The service row lists the two ready pods as endpoints.
    await page.waitForFunction(() => document.querySelectorAll('tr[data-service="default/web"] .chip').length === 2, undefined, WAIT);
  });

  it("scales the deployment with the + button: the page and the API agree", async () => {
    await page.getByRole("button", { name: "Scale up web" }).click();
    await page.waitForFunction(() => document.querySelector('output[aria-label="Replicas of web"]')?.textContent === "3", undefined, WAIT);
    await eventually("3 replicas in the API", async () => (await cluster.client.get<KubeObject & { spec: { replicas: number } }>(R.deployments, "default", "web")).spec.replicas === 3, { timeoutMs: 30_000 });
    await waitForRunningPods(page, 3);
    await page.waitForFunction(() => document.querySelector('tr[data-deployment="default/web"] td.ready')?.textContent === "3/3", undefined, WAIT);
  });

  it("deletes a pod from the page and sees its replacement", async () => {
    const victim = (await podNames(page))[0];
    await page.getByRole("button", { name: `Delete ${victim}`, exact: true }).click();
    // The first click only arms the button.
    await page.getByRole("button", { name: `Confirm delete of ${victim}` }).click();
    await page.waitForFunction((name) => !document.querySelector(`tr[data-pod="default/${name}"]`), victim, WAIT);
    await waitForRunningPods(page, 3);
    expect(await podNames(page)).not.toContain(victim);
    const list = await cluster.client.list(R.pods, "default", { labelSelector: "app=web" });
    expect(list.items.map((p) => p.metadata.name)).not.toContain(victim);
  });

  it("opens a pod's logs and follows them while the page stays usable", async () => {
    const pod = (await podNames(page))[0];
    await page.getByRole("button", { name: `Logs of ${pod}` }).click();
    await page.waitForSelector("#logs:not([hidden])", WAIT);
    await page.waitForFunction(() => /serving on :8080/.test(document.getElementById("logs-text")?.textContent ?? ""), undefined, WAIT);
    // Follow: lines written after the panel opened arrive on the open stream.
    const before = requests.filter((r) => r.includes("/log")).length;
    await page.waitForFunction(() => ((document.getElementById("logs-text")?.textContent ?? "").match(/request \d+/g) ?? []).length >= 4, undefined, WAIT);
    expect(requests.filter((r) => r.includes("/log")).length).toBe(before);
    if (SCREENSHOT) mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    // Tall enough for every section above the log drawer.
    await page.setViewportSize({ width: 1360, height: 1440 });
    await page.screenshot({ path: SCREENSHOT ?? join(dir, "dashboard.png") });
    await page.setViewportSize({ width: 1360, height: 1000 });
    // With the watch and a log stream open, a write still goes through at once.
    await page.getByRole("button", { name: "Scale down web" }).click();
    await eventually("2 replicas in the API", async () => (await cluster.client.get<KubeObject & { spec: { replicas: number } }>(R.deployments, "default", "web")).spec.replicas === 2, { timeoutMs: 30_000 });
    await waitForRunningPods(page, 2);
  });

  it("stays live through the watch stream, without polling", async () => {
    // Each kind was listed once (again only if a list failed mid-way), then everything came by the stream.
    const lists = requests.filter((r) => r === "GET /api/v1/pods").length;
    expect(lists).toBeGreaterThanOrEqual(1);
    expect(lists).toBeLessThanOrEqual(3);
    const before = requests.length;
    await cluster.client.create(R.deployments, "default", deployment("api", 1));
    await page.waitForSelector('tr[data-deployment="default/api"]', WAIT);
    await new Promise((r) => setTimeout(r, 2000));
    // The new deployment arrived on the open stream. The only requests allowed meanwhile are the stream
    // resuming (Chromium drops connections when Docker, in a parallel test, changes the host's interfaces).
    expect(requests.slice(before).filter((r) => !r.startsWith("GET /ui/watch"))).toEqual([]);
  });

  it("shows custom resources in a generic section with their printer columns, live", async () => {
    const crdInfo = RESOURCES.find((r) => r.kind === "CustomResourceDefinition")!;
    await cluster.client.create(crdInfo, undefined, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "crontabs.stable.example.com" },
      spec: {
        group: "stable.example.com",
        scope: "Namespaced",
        names: { plural: "crontabs", singular: "crontab", kind: "CronTab" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { cronSpec: { type: "string" } } } } } }, additionalPrinterColumns: [{ name: "Spec", type: "string", jsonPath: ".spec.cronSpec" }] }],
      },
    } as KubeObject);
    await page.waitForSelector('table[data-kind="crontabs.stable.example.com"]', WAIT);
    const info = byKind("stable.example.com/v1", "CronTab")!;
    await cluster.client.create(info, "default", { apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name: "nightly" }, spec: { cronSpec: "0 3 * * *" } } as KubeObject);
    await page.waitForFunction(() => /nightly\s*0 3 \* \* \*/.test(document.querySelector('table[data-kind="crontabs.stable.example.com"] tbody')?.textContent ?? ""), undefined, WAIT);
    expect(await page.textContent('table[data-kind="crontabs.stable.example.com"] thead')).toBe("NameSpec");
  });
});

function deployment(name: string, replicas: number): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name,
              image: "skiff/busybox:latest",
              command: ["sh", "-c", "echo serving on :8080 && httpd -f -p 8080"],
              ports: [{ containerPort: 8080 }],
              resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            },
          ],
        },
      },
    },
  } as KubeObject;
}

function service(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  } as KubeObject;
}

/** Exactly n pods of the web deployment on the page, all Running and ready. */
async function waitForRunningPods(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const rows = [...document.querySelectorAll('tr[data-pod^="default/web-"]')];
      return rows.length === want && rows.every((r) => r.getAttribute("data-phase") === "Running" && r.querySelector(".badge.ok"));
    },
    n,
    WAIT,
  );
}

async function podNames(page: Page): Promise<string[]> {
  return page.$$eval('tr[data-pod^="default/web-"]', (rows) => rows.map((r) => (r.getAttribute("data-pod") ?? "").split("/")[1]));
}

/** Chromium aborts page loads with ERR_NETWORK_CHANGED whenever Docker adds an interface (parallel tests). */
async function retryNetwork(step: () => Promise<void>, attempts = 5): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (e) {
      if (i >= attempts) throw e;
    }
  }
}
