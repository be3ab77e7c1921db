# ClawFlow for docker-compose.yml: every part (workers, connector, API, runtime, Web UI) from one image, the
# command choosing which. Built for the machine's own platform; Chromium is in it for the browser tool (tools worker).
#   docker compose build
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# The Temporal Web UI's files (the ui-server module, checked against its go.sum hash) for `clawflow web-ui`.
RUN npm run build \
 && CLAWFLOW_CACHE_DIR=/app/cache CLAWFLOW_HOME=/tmp/clawflow-build node bin/clawflow.js setup --web-ui-only \
 && mv /app/cache/temporal-ui/v* /app/temporal-ui \
 && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium bubblewrap tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    CLAWFLOW_HOME=/data \
    CLAWFLOW_LOG_FORMAT=json \
    # Two malloc arenas instead of one per thread: the workers' threads (V8's, the Temporal SDK's Rust core) otherwise
    # each keep an arena's slack (≈ 30 MB less at 10,000 sessions, the same speed; README, Performance).
    MALLOC_ARENA_MAX=2 \
    CLAWFLOW_BROWSER_EXECUTABLE=/usr/bin/chromium \
    CLAWFLOW_TEMPORAL_UI_ASSETS=/app/temporal-ui
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/temporal-ui ./temporal-ui
COPY package.json ./
COPY bin ./bin
COPY skills ./skills
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/clawflow.js"]
CMD ["worker"]
