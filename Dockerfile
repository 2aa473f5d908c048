# tinyhttp-mt container: build with the dev toolchain, run with production dependencies only, as
# the unprivileged `node` user, on a read-only root file system (nothing is written but stdout).
#   docker build -t tinyhttp-mt .
#   docker run --read-only -p 6789:6789 -p 9090:9090 -v "$PWD/site:/srv:ro" tinyhttp-mt

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY benchmarks ./benchmarks
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile, and the compiler is a dev dependency.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 6789 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:9090/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# Secrets (users, tokens, TLS keys) come as mounted files named by TINYHTTP_*_FILE variables.
CMD ["node", "dist/src/bin/tinyhttp-mt.js", "--host", "0.0.0.0", "--admin-port", "9090", "--admin-host", "0.0.0.0", "--grace-period", "20", "/srv"]
