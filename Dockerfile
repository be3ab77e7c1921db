# The ClawFlow agent runtime as an Amazon Bedrock AgentCore Runtime container: only `clawflow runtime`, on 0.0.0.0:8080
# (POST /invocations, GET /ping). AgentCore runs linux/arm64 images:
#   docker buildx build --platform linux/arm64 -t <account>.dkr.ecr.<region>.amazonaws.com/clawflow-runtime:latest --push .
FROM --platform=linux/arm64 node:20-bookworm-slim

ENV NODE_ENV=production \
    # Everything the runtime writes is a cache: AgentCore gives each session an empty, ephemeral filesystem.
    CLAWFLOW_HOME=/tmp/clawflow \
    CLAWFLOW_LOG_FORMAT=json \
    # Only AgentCore reaches the container, and it authenticates every caller (SigV4 or JWT) before it does.
    CLAWFLOW_RUNTIME_AUTH=none
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src

USER node
EXPOSE 8080
CMD ["node", "bin/clawflow.js", "runtime", "--host", "0.0.0.0", "--port", "8080"]
