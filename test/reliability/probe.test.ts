import { it } from "vitest";
import { openStore } from "../../pkg/store/index.js";
import { Registry } from "../../pkg/apiserver/registry.js";
import { buildApiServer } from "../../pkg/apiserver/server.js";

function nest(n: number, leaf: string, open = "{\"a\":", close = "}") { return open.repeat(n) + leaf + close.repeat(n); }
it("probe", async () => {
  const store = await openStore("memory");
  const registry = new Registry(store);
  await registry.bootstrap();
  const app = await buildApiServer({ registry, authenticator: null });
  const cases: Array<[string, string, string, string?]> = [
    ["POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"x"},"data":${nest(10000, "1")}}`],
    ["POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"x"},"data":${nest(10000, "1", "[", "]")}}`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":"x"},"spec":${nest(10000, "1")}}`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":"x", "__proto__": {"a":1}}}`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":"x", "constructor": {"prototype":{"a":1}}}}`],
    ["POST", "/api/v1/namespaces/default/pods", `[]`],
    ["POST", "/api/v1/namespaces/default/pods", `"str"`],
    ["POST", "/api/v1/namespaces/default/pods", `null`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":5}}`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":"a","labels":[1]}}`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":"a","labels":{"a":{"b":1}}},"spec":5}`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":"a"},"spec":{"containers":{"a":1}}}`],
    ["POST", "/api/v1/namespaces/default/pods", `{"metadata":{"name":"a"},"spec":{"containers":[null, 5, "x"]}}`],
    ["POST", "/apis/apps/v1/namespaces/default/deployments", `{"metadata":{"name":"a"},"spec":{"template":5, "selector":"x"}}`],
    ["POST", "/apis/apps/v1/namespaces/default/deployments", `{"metadata":{"name":"a"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":{}}}}]}}, "selector":{"matchLabels":[]}}}`],
    ["PATCH", "/api/v1/namespaces/default/pods/x", `{"a":1}`, "application/json-patch+json"],
    ["PATCH", "/api/v1/namespaces/default", `[{"op":"add","path":"/metadata/labels/__proto__","value":1}]`, "application/json-patch+json"],
    ["PATCH", "/api/v1/namespaces/default", `{"metadata":{"labels":${nest(10000, "1")}}}`, "application/merge-patch+json"],
    ["PATCH", "/api/v1/namespaces/default", `{"metadata":{"labels":${nest(10000, "1")}}}`, "application/strategic-merge-patch+json"],
    ["PATCH", "/api/v1/namespaces/default", `5`, "application/merge-patch+json"],
    ["PATCH", "/api/v1/namespaces/default", `[5]`, "application/json-patch+json"],
    ["PATCH", "/api/v1/namespaces/default", `a: [[[[[[[[[[[[[[[[[[[[`, "application/apply-patch+yaml"],
    ["PATCH", "/api/v1/namespaces/default", "a: " + "[".repeat(10000) + "]".repeat(10000), "application/apply-patch+yaml"],
    ["PUT", "/api/v1/namespaces/default", `{"metadata":{"name":"default"},"spec":${nest(10000, "1")}}`],
    ["GET", "/api/v1/pods?labelSelector=" + encodeURIComponent("a in ((("), ""],
    ["GET", "/api/v1/pods?limit=-5&continue=%%%", ""],
    ["GET", "/api/v1/pods?watch=1&resourceVersion=abc&timeoutSeconds=1", ""],
    ["GET", "/api/v1/pods?watch=1&resourceVersion=99999999&timeoutSeconds=1", ""],
    ["GET", "/api/v1/pods?watch=1&timeoutSeconds=abc", ""],
    ["GET", "/api/v1/pods?limit=1e999", ""],
    ["GET", "/api/v1/pods?labelSelector=a&labelSelector=b", ""],
    ["DELETE", "/api/v1/namespaces/default/pods?gracePeriodSeconds=abc", ""],
    ["DELETE", "/api/v1/namespaces/default/pods", `{"gracePeriodSeconds":"x","preconditions":5}`],
    ["DELETE", "/api/v1/namespaces/default/pods/x", `[1]`],
    ["GET", "/api/v1/namespaces/%ff/pods", ""],
    ["GET", "/api/v1/namespaces/" + "a".repeat(5000) + "/pods", ""],
    ["GET", "/apis/%2e%2e/v1/x", ""],
    ["POST", "/api/v1/namespaces/default/pods/x/binding", `{"target":5}`],
    ["POST", "/api/v1/namespaces/default/pods/x/binding", `{"target":{"name":5}}`],
    ["PUT", "/apis/apps/v1/namespaces/default/deployments/x/scale", `{"spec":{"replicas":"x"}}`],
    ["GET", "/api/v1/namespaces/default/pods/x/log?tailLines=abc", ""],
    ["POST", "/api/v1/namespaces", `{"metadata":{"name":"${"a".repeat(2_000_000)}"}}`],
    ["POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"huge"},"data":{"a":"${"x".repeat(2_000_000)}"}}`],
    ["POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", `{"metadata":{"name":"dup", "name":"dup2"}}`],
    ["POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", `{"metadata":{"name":"deep"},"data":${nest(10000, "1")}}`],
  ];
  for (const [method, url, payload, ct] of cases) {
    try {
      const res = await app.inject({ method: method as "GET", url, payload: payload || undefined, headers: payload ? { "content-type": ct ?? "application/json" } : {} });
      console.log(res.statusCode, method, url.slice(0, 80), payload.slice(0, 60), res.statusCode >= 500 ? res.body.slice(0, 300) : "");
    } catch (e) { console.log("THREW", method, url.slice(0, 60), (e as Error).message); }
  }
  console.log("rv", await store.currentResourceVersion());
  await app.close();
}, 120000);
