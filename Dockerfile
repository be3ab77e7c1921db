# The ClawFlow agent runtime as an Amazon Bedrock AgentCore Runtime container: only `clawflow runtime`, on 0.0.0.0:8080
# (POST /invocations, GET /ping). It builds for the platform asked for: the host's for `docker build` and
# `agentcore dev`, linux/arm64 for AgentCore (which `agentcore deploy` builds on an ARM64 CodeBuild host; by hand:
#   docker buildx build --platform linux/arm64 -t <account>.dkr.ecr.<region>.amazonaws.com/clawflow-runtime:latest --push .
# ). Node from Amazon ECR Public's mirror of the official image: no Docker Hub rate limits in CodeBuild.
ARG NODE_IMAGE=public.ecr.aws/docker/library/node:20-bookworm-slim

# npm picks each package's native binaries (sharp's, Temporal's) for the platform it runs on: the target's.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compiled JavaScript: a microVM that starts cold runs no TypeScript compiler.
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
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
