# syntax=docker/dockerfile:1
#
# One image for every Gatehouse service. SERVICE picks the one to run:
#   docker build -t gatehouse .
#   docker run -e SERVICE=identity -e DATABASE_URL=... -e NATS_URL=... gatehouse
# SERVICE is one of: gateway, identity, tenancy, authorization, notification.
# A build argument sets the default: docker build --build-arg SERVICE=tenancy -t gatehouse-tenancy .

# The current Node LTS (Node 20 reached its end of life in April 2026). The code keeps running on Node 20
# (package.json engines, the machines its tests run on): nothing in it needs a newer one.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------------
# build: all dependencies, compile TypeScript with swc into dist/, then drop the dev dependencies.
# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    SCARF_ANALYTICS=false \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

COPY package.json package-lock.json ./
# Native pieces (@swc/core, @node-rs/argon2) come as prebuilt optional packages, so no install
# script is needed; skipping them keeps the build offline-friendly and free of telemetry hooks.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts

COPY .swcrc tsconfig.base.json tsconfig.json nx.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------------------
# runtime: production node_modules + compiled output, non-root.
# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=gateway
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    HTTP_HOST=0.0.0.0
WORKDIR /app

COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist

# The files stay root-owned and read-only to the process; the `node` user (uid 1000) of the base image
# runs it. Services keep no state on disk (everything is in Postgres / JetStream).
USER node

# Ports by convention (each service also honours its env): gateway PORT 8080 (public),
# identity 8081, tenancy 8082, authorization 8083, notification 8084 (HEALTH_PORT, health only).
EXPOSE 8080 8081 8082 8083 8084

# /health/ready: NATS connected and (services with a schema) Postgres reachable.
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "const d={gateway:8080,identity:8081,tenancy:8082,authorization:8083,notification:8084};const s=process.env.SERVICE;const p=s==='gateway'?(process.env.PORT||d.gateway):(process.env.HEALTH_PORT||d[s]);fetch('http://127.0.0.1:'+p+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# `exec` hands PID 1 to node so SIGTERM reaches Nest's shutdown hooks (NATS drain, outbox stop). An app's
# node-flags file (apps/gateway/node-flags) lists the Node flags it runs with, as in tools/cluster.js.
CMD ["sh", "-c", "case \"$SERVICE\" in gateway|identity|tenancy|authorization|notification) exec node $(grep -sv '^#' dist/apps/$SERVICE/node-flags) dist/apps/$SERVICE/src/main.js ;; *) echo \"SERVICE must be one of: gateway identity tenancy authorization notification (got '$SERVICE')\" >&2; exit 64 ;; esac"]
