# syntax=docker/dockerfile:1
# One image for both roles: `tpo operator` (the chart's Deployment passes `operator ...` as args) and
# `tpo collector` (the fleets' pods run the command `tpo collector --config ...`).
# The image runs the JavaScript compiled to dist/ (`npm run build`, in the build stage; Node does not strip types
# under node_modules, and compiled code starts faster and holds less memory: bench/collector/startup.ts) with only
# production dependencies. NODE_VERSION follows the `node` devDependency in package.json (a test checks it).
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Without the devDependencies the install does not depend on the dev half of the lock file (dev tools with
# platform-specific optional builds). No install scripts: no production dependency needs one.
RUN npm pkg delete devDependencies \
    && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The compiler and the type packages are devDependencies. No install scripts: the compile needs none (the `node`
# devDependency's would only download a second Node).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim
ARG NODE_VERSION
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="telemetry-pipeline-operator" \
      org.opencontainers.image.description="Kubernetes operator for fleets of OpenTelemetry collectors, and the Node OTLP collector it runs" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:${NODE_VERSION}-bookworm-slim"
# jemalloc instead of glibc's malloc (src/collector/gc-tuning.ts, ALLOCATOR_ENV): it gives freed memory back to
# the kernel after a burst, where glibc's arenas kept the peak. The link gives it one path on every architecture.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libjemalloc2 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so.2
# Nothing at run time needs a package manager.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
# The allocator and its settings (src/collector/gc-tuning.ts, ALLOCATOR_ENV).
ENV NODE_ENV=production LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 MALLOC_CONF=narenas:1,tcache:false,dirty_decay_ms:1000,muzzy_decay_ms:0
WORKDIR /app
# Files stay owned by root and world-readable: the process (any non-root uid) cannot change them, and the root
# filesystem can be mounted read-only; nothing is written outside /tmp.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN ln -s /app/dist/cli.js /usr/local/bin/tpo
USER 65532:65532
ENTRYPOINT ["node", "/app/dist/cli.js"]
