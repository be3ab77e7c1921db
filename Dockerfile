# The ClawFlow agent runtime as an Amazon Bedrock AgentCore Runtime container: only `clawflow runtime`, on 0.0.0.0:8080
# (POST /invocations, GET /ping). AgentCore runs linux/arm64 images:
#   docker buildx build --platform linux/arm64 -t <account>.dkr.ecr.<region>.amazonaws.com/clawflow-runtime:latest --push .
FROM --platform=linux/arm64 node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compiled JavaScript: a microVM that starts cold runs no TypeScript compiler.
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM --platform=linux/arm64 node:20-bookworm-slim
ENV NODE_ENV=production \
    # Everything the runtime writes is a cache: AgentCore gives each session an empty, ephemeral filesystem.
    CLAWFLOW_HOME=/tmp/clawflow \
    CLAWFLOW_LOG_FORMAT=json \
    # Only AgentCore reaches the container, and it authenticates every caller (SigV4 or JWT) before it does.
    CLAWFLOW_RUNTIME_AUTH=none
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin

USER node
EXPOSE 8080
CMD ["node", "bin/clawflow.js", "runtime", "--host", "0.0.0.0", "--port", "8080"]
