// Container HEALTHCHECK: is the API server answering /healthz on this host?
// Liveness only, so the serving certificate is not verified here (the probe
// runs inside the container against its own loopback).
import https from "node:https";

const port = Number(process.env.SKIFF_PORT ?? 6443);
const req = https.get({ host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, timeout: 2000 }, (res) => {
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("error", () => process.exit(1));
req.on("timeout", () => {
  req.destroy();
  process.exit(1);
});
