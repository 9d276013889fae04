# skiff image. No registry is reachable here, so the base is made on the
# machine: `bash scripts/docker-up.sh --node-image` builds skiff/node:20 from
# the host's Node.js. Native modules (better-sqlite3) are compiled by `npm ci`
# on the host, whose Node and glibc the base image copies, so the build context
# carries node_modules. Legacy-builder compatible (no BuildKit syntax).
ARG BASE=skiff/node:20

FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY node_modules ./node_modules
COPY cmd ./cmd
COPY pkg ./pkg
COPY bench ./bench
COPY manifests ./manifests
RUN node node_modules/typescript/bin/tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
WORKDIR /app
ENV NODE_ENV=production SKIFF_HOME=/var/lib/skiff SKIFF_ENGINE_SEES_STATE_DIR=false
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/manifests ./manifests
RUN mkdir -p /var/lib/skiff && chown 65534:65534 /var/lib/skiff
USER 65534:65534
EXPOSE 6443
VOLUME ["/var/lib/skiff"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/cmd/healthcheck.js"]
ENTRYPOINT ["node", "dist/cmd/skiff.js"]
CMD ["up", "--host", "0.0.0.0"]
