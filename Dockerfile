# alertsift, for docker-compose.yml and for running anywhere a container runs.
#   docker build -t alertsift .
#   docker run -p 9093:9093 alertsift                       # embedded mode, examples/alertsift.yml
#   docker run -p 9093:9093 -v $PWD/am.yml:/etc/alertsift/alertsift.yml alertsift \
#     serve --config /etc/alertsift/alertsift.yml
# Distributed mode is switched on by the environment (ALERTSIFT_KAFKA_BROKERS, REDIS_URL): see
# docs/production.md.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY benchmarks ./benchmarks
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# rules/defaults is read at run time (the correlation defaults); examples/ holds the example configuration.
COPY rules ./rules
COPY examples ./examples
# The example configuration at the path the compose file mounts over.
RUN mkdir -p /etc/alertsift && cp examples/alertsift.yml /etc/alertsift/alertsift.yml
USER node
EXPOSE 9093
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:9093/-/healthy').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/alertsift.js"]
CMD ["serve", "--config", "/etc/alertsift/alertsift.yml", "--listen", "0.0.0.0:9093"]
