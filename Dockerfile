# syntax=docker/dockerfile:1
# The registry service, compiled, on Node.js 24 LTS (Node 20, which the tests run on, reached end
# of life on 2026-04-30). Build stage: every dependency, `npm run build` into dist/. Runtime
# stage: production dependencies only, dist/ and the migrations, as the unprivileged node user,
# with a HEALTHCHECK on readiness. Tools in the image: node dist/cli/keys.js, dist/cli/audit.js.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts here either: esbuild finds its binary in its platform package, and the only
# other scripts (native builds for test tooling's optional dependencies) are not needed to build.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY web ./web
# The service and its tools, and the pages it serves itself (bundled: nothing from a CDN).
RUN npm run build && npm run build:web

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one (nothing is compiled or downloaded).
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY web/build.mjs ./web/build.mjs
COPY package.json ./
COPY migrations ./migrations
# The embedded database and generated secrets, when no DATABASE_URL is given.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/server.js"]
