# ClawFlow for docker-compose.yml: every part (workers, connector, API, runtime, codec server) from one image, the
# command choosing which. Built for the machine's own platform; Chromium is in it for the browser tool (tools worker).
#   docker compose build
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    CLAWFLOW_HOME=/data \
    CLAWFLOW_LOG_FORMAT=json \
    CLAWFLOW_BROWSER_EXECUTABLE=/usr/bin/chromium
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY skills ./skills
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/clawflow.js"]
CMD ["worker"]
