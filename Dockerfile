# Tandem server image (README, "Docker"). Build from the repository root: docker build -t tandem .
# The same image runs a server (default) or a sentinel (entrypoint bin/tandem-sentinel, see docker/compose.yml).

# ---- build: compile TypeScript, then drop the dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled output, production dependencies, launchers ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# package.json is read at run time (the server reports its version from it).
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY docker/run-from-copy.sh ./docker/run-from-copy.sh
COPY docker/tandem.conf /etc/tandem/tandem.conf
# Modes set here rather than trusted from the build context (a Windows checkout loses them). /data holds the RDB
# file and the writable config copies; it must belong to `node` before a named volume is first mounted on it, since
# Docker seeds a new volume's ownership from the image's directory.
RUN chmod 755 bin/tandem-server bin/tandem-sentinel bin/tandem-topology docker/run-from-copy.sh \
  && mkdir -p /data \
  && chown node:node /data
VOLUME /data
USER node
EXPOSE 6379 26379
# bin/tandem-server's shebang passes a V8 flag through `env -S` (coreutils 8.30+, present in bookworm).
ENTRYPOINT ["bin/tandem-server"]
CMD ["/etc/tandem/tandem.conf"]
