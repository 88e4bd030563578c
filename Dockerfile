# syntax=docker/dockerfile:1
# krest: REST proxy on 8082 and schema registry on 8081, data in the /var/lib/krest volume.
#   docker build -t krest .
#   docker run -d --name krest -p 8082:8082 -p 8081:8081 -v krest-data:/var/lib/krest krest
# Node major: the one package.json's engines and CI use (test/integration/ops-docker.test.ts checks they agree).
ARG NODE_VERSION=20

# ---- build: dev dependencies, TypeScript → dist/ --------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies only, non-root ---------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# fs-ext (the kernel lock on the data dir) is a native addon built by node-gyp: the compiler is installed for that
# one step and removed in the same layer, so the image stays slim. No other dependency runs an install script.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild fs-ext \
 && apt-get purge -y python3 make g++ && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY openapi ./openapi
# The data directory belongs to the non-root user and to group 0 (OpenShift runs images with an arbitrary uid in group 0).
RUN mkdir -p /var/lib/krest && chown -R node:0 /var/lib/krest && chmod -R g=u /var/lib/krest
ENV KREST_HOST=0.0.0.0 \
    KREST_PORT=8082 \
    KREST_SCHEMA_REGISTRY_PORT=8081 \
    KREST_DATA_DIR=/var/lib/krest \
    KREST_LOG_FORMAT=json
VOLUME ["/var/lib/krest"]
EXPOSE 8082 8081 9092
USER node
# Exec form: node is PID 1 and gets SIGTERM itself; krest drains within shutdown.graceful.ms (5 s), inside docker stop's 10 s.
STOPSIGNAL SIGTERM
# Needs nothing but node: `krest healthcheck` asks GET /ready on KREST_PORT.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/cli/main.js", "healthcheck"]
CMD ["node", "dist/cli/main.js", "serve"]
