# live-image-resize: multi-stage image. Every stage starts from the same base, so the native addon
# that prod-deps compiles (better-sqlite3) links against exactly the glibc and Node ABI that run it.
# Build: docker build -t live-image-resize .   Run and deploy: docs/deployment.md.
# Why this layout: docs/adr/0013-container-image-and-memory-allocator.md; the allocator settings: docs/adr/0038-allocator-settings-for-libvips.md.

# The newest Node LTS line that the suite has passed on here (ADR 0030); --build-arg NODE_IMAGE=… changes it.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app

# npm 11 runs dependency install scripts only for packages listed in package.json "allowScripts";
# the npm bundled with older Node lines (10.x with Node 20) ignores that list and would run every script.
FROM base AS npm
ARG NPM_VERSION=11.19.1
RUN npm install --global --no-audit --no-fund npm@${NPM_VERSION} \
 && npm cache clean --force

# better-sqlite3 compiles from source against the image's own Node headers (nodedir), so no
# prebuilt binary or header tarball is downloaded during the build. Both settings go to the tools that
# read them (node-gyp's package-config variable, prebuild-install's rc file), not through npm's config,
# whose unknown keys npm 11 warns will stop working.
FROM npm AS prod-deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_package_config_node_gyp_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN printf 'buildFromSource=true\n' > .prebuild-installrc \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# Of the compile (objects, the SQLite amalgamation, sources: about 27 MB) only the addon is loaded at
# run time; the load afterwards proves that what is left is enough.
RUN find node_modules/better-sqlite3/build ! -type d ! -path '*/build/Release/better_sqlite3.node' -delete \
 && find node_modules/better-sqlite3/build -type d -empty -delete \
 && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
 && node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"

# TypeScript needs no install script, so the dev dependencies are installed with none at all.
FROM npm AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM base AS runtime
RUN mkdir -p /data \
 && chown node:node /data
# Each render holds a libuv pool thread, so the pool needs render.concurrency + 4 threads; 16 fits up
# to 12 concurrent renders. Set it with RENDER_CONCURRENCY (the service warns when it does not fit).
# glibc's malloc with two arenas and a fixed mmap threshold, as npm start runs it: freed pixel buffers go
# back to the kernel at once (ADR 0038; glibc reads these only when the process starts).
ENV NODE_ENV=production \
    DATA_DIR=/data \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    UV_THREADPOOL_SIZE=16
COPY package.json ./
COPY config ./config
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The lir command (docs/cli.md): `docker exec … node bin/lir.cjs doctor`, `… import /data/incoming`.
COPY bin/lir.cjs ./bin/
# The node user of the base image, by number so that Kubernetes can verify runAsNonRoot.
USER 1000:1000
# Only the data is a volume: config is mounted by the operator where wanted (docs/deployment.md); an
# anonymous volume over /app/config would keep a stale default.json across every recreate.
VOLUME ["/data"]
EXPOSE 1337
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||1337)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains: no new connections, in-flight requests and pending cache writes finish (up to
# shutdown.timeoutMs), then the process exits 0. Node is PID 1 and handles the signal itself.
# The node flags are npm start's: a 4 MB young generation keeps ~18 MB less resident than Node's default
# 16 MB (docs/adr/0026-miss-path-concurrency-threads-fsync-memory.md, "Peak memory, revisited").
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "dist/src/infrastructure/main.js"]
